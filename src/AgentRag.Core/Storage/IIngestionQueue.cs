namespace AgentRag.Core.Storage;

/// <summary>A document to run through the ingestion pipeline.</summary>
public sealed record IngestionJob(string TenantId, string DocumentId);

/// <summary>
/// The ingestion work queue: documents waiting to be processed, handed to the process's ingestion workers. Delivery is
/// at least once: a job whose processing was cut short (a crash, a shutdown) is delivered again by
/// <see cref="RecoverAsync"/> in a later run, so processing must be idempotent (the pipeline's is: it replaces a
/// document's content and index entries). A document's durable record of pending work is its status in
/// <see cref="IDocumentStore"/> (<c>pending</c> or <c>processing</c>); a queue may add its own. Thread-safe.
/// </summary>
public interface IIngestionQueue
{
    /// <summary>Queues a document for processing. Never waits for the processing; queuing one twice processes it twice (idempotently).</summary>
    ValueTask EnqueueAsync(IngestionJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// The queued jobs, each handed to exactly one of the readers (several readers share the work), as they come; the
    /// sequence ends when <paramref name="cancellationToken"/> is cancelled (without throwing) or the queue is disposed.
    /// </summary>
    IAsyncEnumerable<IngestionJob> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues again the documents earlier runs left unfinished, if this process is the one that recovers them (one at a
    /// time per backend: it keeps that role until the queue is disposed), and returns them. Returns null, queuing
    /// nothing, when another process has the role.
    /// </summary>
    Task<IReadOnlyList<IngestionJob>?> RecoverAsync(CancellationToken cancellationToken = default);
}
