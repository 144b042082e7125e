using System.Collections.Concurrent;
using AgentRag.Core;

namespace AgentRag.Retrieval;

/// <summary>
/// Per-tenant state loaded once, on first use, off the caller's thread (e.g. an index read from its snapshot and
/// journal). Concurrent first calls share one load; a failed load is forgotten so the next call retries (say, after an
/// operator fixed the folder). Disposing disposes what was loaded. Thread-safe.
/// </summary>
internal sealed class TenantLoader<T>(Func<string, T> load) : IDisposable
    where T : class, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _tenants = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>The tenants whose state is loaded.</summary>
    public IEnumerable<string> Loaded =>
        _tenants.Where(t => t.Value.IsValueCreated && t.Value.Value.IsCompletedSuccessfully).Select(t => t.Key);

    /// <summary>True when <paramref name="tenantId"/>'s state is loaded or loading.</summary>
    public bool IsKnown(string tenantId) => _tenants.ContainsKey(tenantId);

    /// <summary>The tenant's state, loading it first if needed. Throws <see cref="ArgumentException"/> for a malformed tenant id.</summary>
    public async Task<T> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tenancy.ThrowIfInvalid(tenantId);
        var lazy = _tenants.GetOrAdd(tenantId, id => new Lazy<Task<T>>(() => Task.Run(() => load(id))));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _tenants.TryRemove(KeyValuePair.Create(tenantId, lazy));
            throw;
        }
    }

    /// <summary>
    /// Forgets the tenant's state, disposing it when loaded, then runs <paramref name="afterward"/> (e.g. deleting its
    /// files); the next <see cref="GetAsync"/> loads afresh. Calls in flight on the old state may fail. Idempotent.
    /// </summary>
    public async Task ForgetAsync(string tenantId, Action afterward)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tenancy.ThrowIfInvalid(tenantId);
        if (_tenants.TryRemove(tenantId, out var lazy) && lazy.IsValueCreated)
        {
            try
            {
                (await lazy.Value).Dispose();
            }
            catch (Exception) when (lazy.Value.IsFaulted)
            {
                // A load that failed left nothing to dispose.
            }
        }

        afterward();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var lazy in _tenants.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }
    }
}
