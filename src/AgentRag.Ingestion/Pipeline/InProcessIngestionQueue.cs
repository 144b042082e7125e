using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentRag.Core.Coordination;
using AgentRag.Core.Storage;
using Microsoft.Extensions.Logging;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// The embedded <see cref="IIngestionQueue"/>: an in-memory channel this process's workers read, backed for durability by
/// the documents' own state. A queued document is <c>pending</c> in the <see cref="IDocumentStore"/> (processing makes it
/// <c>processing</c>, then <c>ready</c> or <c>failed</c>), so after a crash <see cref="RecoverAsync"/> finds it again with
/// <see cref="IDocumentStore.ListUnfinishedAsync"/>. Recovery runs only in the process that holds the
/// <see cref="LeaseNames.IngestionRecovery"/> lease, kept until disposal, so two processes sharing a store never resume
/// the same document. Thread-safe.
/// </summary>
public sealed partial class InProcessIngestionQueue(IDocumentStore store, IDistributedLock locks, ILogger<InProcessIngestionQueue> logger)
    : IIngestionQueue, IDisposable
{
    private readonly Channel<IngestionJob> _channel = Channel.CreateUnbounded<IngestionJob>();
    private IDisposable? _depthGauge;
    private readonly SemaphoreSlim _recovery = new(1, 1);
    private ILease? _recoveryLease;
    private bool _disposed;

    public ValueTask EnqueueAsync(IngestionJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        TrackDepth();
        _channel.Writer.TryWrite(job);
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<IngestionJob> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                if (!await _channel.Reader.WaitToReadAsync(cancellationToken))
                {
                    yield break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            while (!cancellationToken.IsCancellationRequested && _channel.Reader.TryRead(out var job))
            {
                yield return job;
            }
        }
    }

    public async Task<IReadOnlyList<IngestionJob>?> RecoverAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _recovery.WaitAsync(cancellationToken);
        try
        {
            if (_recoveryLease is null && (_recoveryLease = await locks.TryAcquireAsync(LeaseNames.IngestionRecovery, cancellationToken)) is null)
            {
                LogRecoverySkipped(LeaseNames.IngestionRecovery);
                return null;
            }

            var unfinished = await store.ListUnfinishedAsync(cancellationToken);
            TrackDepth();
            var jobs = new List<IngestionJob>(unfinished.Count);
            foreach (var document in unfinished)
            {
                LogResuming(document.Id, document.FileName, document.Stage.ToString());
                var job = new IngestionJob(document.TenantId, document.Id);
                _channel.Writer.TryWrite(job);
                jobs.Add(job);
            }

            return jobs;
        }
        finally
        {
            _recovery.Release();
        }
    }

    /// <summary>Ends every reader's sequence and gives up the recovery lease.</summary>
    /// <summary>Counts this queue in <see cref="IngestionTelemetry.QueueDepth"/> from its first job on (once).</summary>
    private void TrackDepth()
    {
        if (Volatile.Read(ref _depthGauge) is null)
        {
            var gauge = IngestionTelemetry.QueueDepth.Track(() => _channel.Reader.Count);
            if (Interlocked.CompareExchange(ref _depthGauge, gauge, null) is not null)
            {
                gauge.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _depthGauge?.Dispose();
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _channel.Writer.TryComplete();
        _recoveryLease?.Dispose();
        _recovery.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming ingestion of {DocumentId} ({FileName}), interrupted at {Stage}")]
    private partial void LogResuming(string documentId, string fileName, string stage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another process holds the {Lease} lease; it resumes unfinished documents")]
    private partial void LogRecoverySkipped(string lease);
}
