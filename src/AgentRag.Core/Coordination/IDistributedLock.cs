namespace AgentRag.Core.Coordination;

/// <summary>
/// Named leases, each held by at most one holder at a time across every process that shares the backend (a CLI
/// command beside a running server on one data folder; the replicas of a cluster). A lease is held until it is disposed,
/// or until its holder's process dies. Leases are not re-entrant: asking again for a name this process already holds
/// waits for (or fails on) the first lease like any other holder. Names are one or more segments separated by
/// <c>/</c>, each of letters, digits, <c>-</c>, <c>_</c> and <c>.</c> (not <c>.</c> or <c>..</c>), e.g.
/// <c>index/acme/bm25.journal</c>; see <see cref="LeaseNames"/>. Implementations are thread-safe and hold no
/// process-wide state: two instances over the same backend see each other's leases.
/// </summary>
public interface IDistributedLock
{
    /// <summary>
    /// Takes the lease when it is free; null when another holder has it. Never waits. Throws
    /// <see cref="ArgumentException"/> for a malformed name.
    /// </summary>
    ValueTask<ILease?> TryAcquireAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the lease, waiting up to <paramref name="timeout"/> for its holder to release it. Throws
    /// <see cref="LeaseUnavailableException"/> (naming the lease) when it is still held after the timeout,
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled first, and
    /// <see cref="ArgumentException"/> for a malformed name.
    /// </summary>
    ValueTask<ILease> AcquireAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>A held lease. Disposing releases it (idempotent); until then no other holder can take its name.</summary>
public interface ILease : IDisposable, IAsyncDisposable
{
    /// <summary>The lease's name, as asked for.</summary>
    string Name { get; }
}

/// <summary>A lease stayed held by another holder for the whole timeout.</summary>
public sealed class LeaseUnavailableException(string name, string message, Exception? innerException = null) : IOException(message, innerException)
{
    /// <summary>The lease asked for.</summary>
    public string Name { get; } = name;
}
