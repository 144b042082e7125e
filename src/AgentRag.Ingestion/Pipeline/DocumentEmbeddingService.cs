using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentRag.Core.Coordination;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// The semantic stage that follows <c>ready</c> (ADR 0027): embeds a ready document's chunks with every
/// <see cref="IngestionStage.Embedding"/> indexer, recording progress on the document (<see cref="Document.EmbeddedChunks"/>
/// of <see cref="Document.EmbeddingModel"/>, "ready · semantic 120/227") and publishing it on the
/// <see cref="IngestionEventHub"/> (stage <c>embedding</c>). A document is keyword-searchable throughout; its vectors
/// replace the old ones in one write when the document is done. Work is queued here (<see cref="EnqueueAsync"/>) and run by
/// the <see cref="EmbeddingWorker"/>, or run at once by <see cref="EmbedAsync"/> (the CLI's <c>ingest</c>). Durability is
/// the document's own state: <see cref="IDocumentStore.ListAwaitingEmbeddingAsync"/> finds what a crash, a model change or
/// <see cref="ReembedAsync"/> left to do. A tenant is embedded by one process at a time (<see cref="LeaseNames.Embedding"/>).
/// Thread-safe.
/// </summary>
public sealed partial class DocumentEmbeddingService
{
    private readonly IDocumentStore _store;
    private readonly IReadOnlyList<IChunkIndexer> _embedders;
    private readonly IngestionEventHub _events;
    private readonly IDistributedLock _locks;
    private readonly IngestionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DocumentEmbeddingService> _logger;
    private readonly Channel<(string TenantId, string DocumentId)> _queue = Channel.CreateUnbounded<(string, string)>();
    private readonly ConcurrentDictionary<(string, string), byte> _queued = new();

    public DocumentEmbeddingService(
        IDocumentStore store,
        IEnumerable<IChunkIndexer> indexers,
        IngestionEventHub events,
        IDistributedLock locks,
        IOptions<IngestionOptions> options,
        TimeProvider time,
        ILogger<DocumentEmbeddingService> logger)
    {
        _store = store;
        _embedders = [.. indexers.Where(i => i.Stage == IngestionStage.Embedding)];
        _events = events;
        _locks = locks;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The model documents are embedded with; null when embedding is off (no embedding model configured).</summary>
    public string? Model => _embedders.Select(e => e.EmbeddingModel).FirstOrDefault(m => m is not null);

    /// <summary>True when an embedding model is configured, so ready documents get a semantic stage.</summary>
    public bool IsEnabled => Model is not null;

    /// <summary>Queues the document for the <see cref="EmbeddingWorker"/>; a document already queued is queued once. No-op when embedding is off.</summary>
    public ValueTask EnqueueAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (IsEnabled && _queued.TryAdd((tenantId, documentId), 0))
        {
            _queue.Writer.TryWrite((tenantId, documentId));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Queues every ready document of every tenant that is not fully embedded with the current model. Returns how many.</summary>
    public async Task<int> EnqueueAwaitingAsync(CancellationToken cancellationToken = default)
    {
        if (Model is not { } model)
        {
            return 0;
        }

        var awaiting = await _store.ListAwaitingEmbeddingAsync(model, cancellationToken);
        foreach (var document in awaiting)
        {
            await EnqueueAsync(document.TenantId, document.Id, cancellationToken);
        }

        return awaiting.Count;
    }

    /// <summary>The queued documents, in order, each once while queued; ends when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async IAsyncEnumerable<(string TenantId, string DocumentId)> ReadQueueAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            (string, string) job;
            try
            {
                job = await _queue.Reader.ReadAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            _queued.TryRemove(job, out _);
            yield return job;
        }
    }

    /// <summary>
    /// Marks the tenant's ready documents (or the one given) as not embedded, so they are embedded again (texts the
    /// persistent cache holds for the model are not sent to it again), and queues them. Returns the documents marked;
    /// empty when embedding is off or nothing matches.
    /// </summary>
    public async Task<IReadOnlyList<Document>> ReembedAsync(string tenantId, string? documentId = null, CancellationToken cancellationToken = default)
    {
        if (Model is not { } model)
        {
            return [];
        }

        var documents = new List<Document>();
        if (documentId is not null)
        {
            if (await _store.GetAsync(tenantId, documentId, cancellationToken) is { Status: DocumentStatus.Ready } one)
            {
                documents.Add(one);
            }
        }
        else
        {
            for (var offset = 0; ; offset += 1000)
            {
                var page = await _store.ListAsync(tenantId, new DocumentListQuery(DocumentStatus.Ready, offset, 1000), cancellationToken);
                documents.AddRange(page.Items);
                if (page.Items.Count < 1000)
                {
                    break;
                }
            }
        }

        var marked = new List<Document>(documents.Count);
        foreach (var document in documents)
        {
            var reset = document with { EmbeddingModel = model, EmbeddedChunks = 0, UpdatedAt = _time.GetUtcNow() };
            if (await _store.UpdateEmbeddingAsync(tenantId, document.Id, document.Attempts, model, 0, reset.UpdatedAt, cancellationToken))
            {
                Publish(reset);
                marked.Add(reset);
                await EnqueueAsync(tenantId, document.Id, cancellationToken);
            }
        }

        return marked;
    }

    /// <summary>
    /// Embeds the document now if it is ready and not fully embedded with the current model, and returns its state
    /// afterwards (null when it does not exist or was deleted meanwhile; unchanged when there is nothing to do, embedding
    /// is off, or it stopped being ready). Waits for another process embedding the same tenant to finish first.
    /// Idempotent and safe to run again after a crash: texts embedded before come from the persistent cache.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; progress so far is kept.</exception>
    /// <exception cref="Exception">The embedding model failed after the model layer's retries: the document stays ready,
    /// with the progress it had, and is tried again by the next <see cref="EnqueueAwaitingAsync"/>.</exception>
    public async Task<Document?> EmbedAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        var document = await _store.GetAsync(tenantId, documentId, cancellationToken);
        if (document is null || Model is not { } model || document.Status != DocumentStatus.Ready || document.IsEmbeddedWith(model))
        {
            return document;
        }

        await using var lease = await _locks.AcquireAsync(LeaseNames.Embedding(tenantId), _options.EmbeddingLeaseTimeout, cancellationToken);
        document = await _store.GetAsync(tenantId, documentId, cancellationToken); // another process may have done it meanwhile
        if (document is null || document.Status != DocumentStatus.Ready || document.IsEmbeddedWith(model))
        {
            return document;
        }

        using var activity = IngestionTelemetry.ActivitySource.StartActivity("ingest.embedding");
        activity?.SetTag("agentrag.tenant", tenantId);
        activity?.SetTag("agentrag.document.id", documentId);
        var chunks = await _store.GetChunksAsync(tenantId, documentId, cancellationToken);
        var attempt = document.Attempts;
        var current = document = document with { EmbeddingModel = model, EmbeddedChunks = 0 };
        if (!await SaveProgressAsync(current, cancellationToken))
        {
            return await _store.GetAsync(tenantId, documentId, CancellationToken.None);
        }

        // Progress writes are chained so they land in order, and all before the final one.
        var progressWrites = Task.CompletedTask;
        var progress = new SynchronousProgress<int>(done =>
        {
            // The last chunk counts once the document's vectors are in the index (below), not when computed.
            var embedded = Math.Min(done, Math.Max(0, chunks.Count - 1));
            if (embedded <= current.EmbeddedChunks)
            {
                return;
            }

            var snapshot = current = current with { EmbeddedChunks = embedded };
            progressWrites = progressWrites.ContinueWith(_ => SaveProgressAsync(snapshot, CancellationToken.None), TaskScheduler.Default).Unwrap();
        });
        foreach (var embedder in _embedders)
        {
            await embedder.IndexAsync(tenantId, documentId, chunks, progress, cancellationToken);
        }

        await progressWrites;
        var done = document with { EmbeddedChunks = chunks.Count };
        if (!await SaveProgressAsync(done, CancellationToken.None))
        {
            // Deleted or reprocessed while its vectors were written: a deleted document's vectors must not stay behind.
            var now = await _store.GetAsync(tenantId, documentId, CancellationToken.None);
            if (now is null)
            {
                foreach (var embedder in _embedders)
                {
                    await embedder.RemoveAsync(tenantId, documentId, CancellationToken.None);
                }
            }

            return now;
        }

        LogEmbedded(document.FileName, chunks.Count, model);
        return await _store.GetAsync(tenantId, documentId, CancellationToken.None) ?? done;
    }

    private async Task<bool> SaveProgressAsync(Document document, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (!await _store.UpdateEmbeddingAsync(document.TenantId, document.Id, document.Attempts, document.EmbeddingModel!, document.EmbeddedChunks, now, cancellationToken))
        {
            return false;
        }

        Publish(document with { UpdatedAt = now });
        return true;
    }

    private void Publish(Document document) =>
        _events.Publish(IngestionEvent.From(document, document.UpdatedAt) with
        {
            Stage = IngestionStage.Embedding,
            Message = $"Semantic {document.EmbeddedChunks}/{document.ChunkCount}",
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded {FileName}: {Chunks} chunks with {Model}")]
    private partial void LogEmbedded(string fileName, int chunks, string model);

    /// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, in order.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
