using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using AgentRag.Core;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Extraction;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>The outcome of submitting a file: the document, and whether identical content was already there.</summary>
public sealed record SubmitResult(Document Document, bool AlreadyExisted);

/// <summary>
/// Runs the ingestion pipeline: <c>pending → extracting → chunking → indexing → ready</c> (keyword-searchable), or
/// <c>failed</c>. A ready document is then handed to the <see cref="DocumentEmbeddingService"/>, whose semantic stage
/// follows in the background when an embedding model is configured (ADR 0027). Each run counts as
/// <see cref="IngestionActivity"/>, which the embedding stage yields to. Progress is persisted at every step and
/// published on the <see cref="IngestionEventHub"/>. Thread-safe; a document is processed by at most one call at a time
/// in this process.
/// </summary>
public sealed partial class DocumentIngestionService
{
    private const int ExtractionShare = 70;
    private const int ChunkingShare = 15;

    private readonly IDocumentStore _store;
    private readonly IReadOnlyList<IChunkIndexer> _indexers;
    private readonly DocumentExtractorRegistry _extractors;
    private readonly Chunker _chunker;
    private readonly IngestionEventHub _events;
    private readonly DocumentEmbeddingService _embedding;
    private readonly IngestionActivity _activity;
    private readonly IBlobStore _blobs;
    private readonly ScratchSpace _scratch;
    private readonly IngestionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DocumentIngestionService> _logger;
    private readonly ResiliencePipeline _transientRetry;
    private readonly ConcurrentDictionary<string, Run> _running = new(StringComparer.Ordinal);

    public DocumentIngestionService(
        IDocumentStore store,
        IEnumerable<IChunkIndexer> indexers,
        DocumentExtractorRegistry extractors,
        Chunker chunker,
        IngestionEventHub events,
        DocumentEmbeddingService embedding,
        IngestionActivity activity,
        IBlobStore blobs,
        ScratchSpace scratch,
        IOptions<IngestionOptions> options,
        TimeProvider time,
        ILogger<DocumentIngestionService> logger)
    {
        _store = store;
        _indexers = [.. indexers];
        _extractors = extractors;
        _chunker = chunker;
        _events = events;
        _embedding = embedding;
        _activity = activity;
        _blobs = blobs;
        _scratch = scratch;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _transientRetry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, _options.TransientRetries),
                Delay = _options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                OnRetry = args =>
                {
                    LogTransientRetry(args.AttemptNumber + 1, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Registers a file from disk. See <see cref="SubmitAsync(string, Stream, string, CancellationToken)"/>.</summary>
    /// <exception cref="IngestionRejectedException">The path does not exist, or the file is refused.</exception>
    public async Task<SubmitResult> SubmitFileAsync(string tenantId, string path, string? fileName = null, CancellationToken cancellationToken = default)
    {
        fileName ??= Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new IngestionRejectedException(path, RejectionReason.NotFound, $"{path}: no such file.");
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return await SubmitAsync(tenantId, stream, fileName, cancellationToken);
    }

    /// <summary>
    /// Stores the content under the data folder and creates a <c>pending</c> document for it. Identical content
    /// (same SHA-256) in the same tenant returns the existing document instead. The content is streamed to disk,
    /// never held in memory.
    /// </summary>
    /// <exception cref="IngestionRejectedException">The content is empty, over the size limit, or of an unsupported type.</exception>
    public async Task<SubmitResult> SubmitAsync(string tenantId, Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        var tempPath = _scratch.CreateFilePath();
        try
        {
            var (size, sha256) = await CopyAndHashAsync(content, tempPath, fileName, cancellationToken);
            if (size == 0)
            {
                throw new IngestionRejectedException(fileName, RejectionReason.Empty, $"{fileName}: the file is empty.");
            }

            string contentType;
            try
            {
                contentType = await _extractors.ValidateAsync(tempPath, fileName, cancellationToken);
            }
            catch (DocumentExtractionException ex) when (!ex.IsTransient)
            {
                throw new IngestionRejectedException(fileName, ex.Failure switch
                {
                    ExtractionFailure.Empty => RejectionReason.Empty,
                    ExtractionFailure.UnsupportedContent or ExtractionFailure.ContentMismatch => RejectionReason.UnsupportedType,
                    ExtractionFailure.TooLarge => RejectionReason.TooLarge,
                    _ => RejectionReason.InvalidContent,
                }, ex.Message);
            }

            if (await _store.FindBySha256Async(tenantId, sha256, cancellationToken) is { } existing)
            {
                return new SubmitResult(existing, AlreadyExisted: true);
            }

            var id = Ids.New("doc");
            var storedPath = await _blobs.StoreOriginalAsync(tenantId, id, fileName, tempPath, cancellationToken);

            var now = _time.GetUtcNow();
            var document = new Document
            {
                Id = id,
                TenantId = tenantId,
                FileName = fileName,
                ContentType = contentType,
                SizeBytes = size,
                Sha256 = sha256,
                StoredPath = storedPath,
                ProgressMessage = "Queued",
                CreatedAt = now,
                UpdatedAt = now,
            };
            try
            {
                await _store.InsertAsync(document, cancellationToken);
            }
            catch (DuplicateDocumentException duplicate)
            {
                await _blobs.DeleteOriginalsAsync(tenantId, id, CancellationToken.None);
                return new SubmitResult(duplicate.Existing, AlreadyExisted: true);
            }

            _events.Publish(IngestionEvent.From(document, now));
            return new SubmitResult(document, AlreadyExisted: false);
        }
        finally
        {
            _scratch.Delete(tempPath);
        }
    }

    /// <summary>
    /// Runs every stage for the document and returns its final state (ready or failed). Starting over is safe:
    /// content and index entries are replaced, so a document interrupted by a crash is simply processed again.
    /// Returns null when the document does not exist or was deleted while processing.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (e.g. shutdown);
    /// the document stays <c>processing</c> and is resumed at the next start.</exception>
    public async Task<Document?> ProcessAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        using var run = new Run(cancellationToken);
        var key = RunKey(tenantId, documentId);
        while (!_running.TryAdd(key, run))
        {
            if (_running.TryGetValue(key, out var previous))
            {
                if (!previous.Ended)
                {
                    throw new InvalidOperationException($"Document '{documentId}' is already being processed.");
                }

                // Reprocessed while the previous run, its end already saved, was closing: start once that run lets go.
                await previous.Finished.Task.WaitAsync(cancellationToken);
            }
        }

        using var activity = IngestionTelemetry.ActivitySource.StartActivity("ingest.document");
        activity?.SetTag("agentrag.tenant", tenantId);
        activity?.SetTag("agentrag.document.id", documentId);
        using var scope = _logger.BeginScope(new Dictionary<string, object?> { ["TenantId"] = tenantId, ["DocumentId"] = documentId });
        try
        {
            var document = await _store.GetAsync(tenantId, documentId, run.Cancellation.Token);
            using var active = _activity.Begin();
            return document is null ? null : await RunStagesAsync(document, run.Cancellation.Token);
        }
        catch (OperationCanceledException) when (run.Cancellation.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Cancelled by DeleteAsync: the document is gone.
            return null;
        }
        finally
        {
            _running.TryRemove(key, out _);
            run.Finished.TrySetResult();
        }
    }

    /// <summary>
    /// Puts a document back to <c>pending</c> so it can be processed again. Returns null when unknown. A document whose
    /// run is in progress is returned as it is (that run produces the new result). A run that has saved its final state
    /// (ready or failed) counts as over even while it is still closing: the document is reset, and the processing queued
    /// for it starts once that run lets go (<see cref="ProcessAsync"/>), so a reprocess asked for by a client that has
    /// just seen the end of a run is never lost. Throws <see cref="OriginalUnavailableException"/>, changing nothing, when
    /// the original is no longer stored (retention expired it).
    /// </summary>
    public async Task<Document?> ResetForReprocessingAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        if (_running.TryGetValue(RunKey(tenantId, documentId), out var run) && !await run.HasEndedAsync(cancellationToken))
        {
            return await _store.GetAsync(tenantId, documentId, cancellationToken);
        }

        // Read after the check, so the reset starts from the final state of a run that has just ended.
        var document = await _store.GetAsync(tenantId, documentId, cancellationToken);
        if (document is null)
        {
            return null;
        }

        using (var original = await _blobs.OpenLocalAsync(document.StoredPath, cancellationToken))
        {
            if (original is null)
            {
                throw new OriginalUnavailableException(documentId);
            }
        }

        var reset = document with
        {
            Status = DocumentStatus.Pending,
            Stage = IngestionStage.Pending,
            Progress = 0,
            ProgressMessage = "Queued for reprocessing",
            Error = null,
            UpdatedAt = _time.GetUtcNow(),
        };
        return await SaveAsync(reset, cancellationToken) ? reset : null;
    }

    /// <summary>
    /// Deletes the document, its pages, chunks, index entries and stored original, cancelling its processing if it
    /// is running. Returns false when the tenant has no such document.
    /// </summary>
    public async Task<bool> DeleteAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        var document = await _store.GetAsync(tenantId, documentId, cancellationToken);
        if (document is null)
        {
            return false;
        }

        if (_running.TryGetValue(RunKey(tenantId, documentId), out var running))
        {
            await running.Cancellation.CancelAsync();
        }

        var deleted = await _store.DeleteAsync(tenantId, documentId, cancellationToken);
        foreach (var indexer in _indexers)
        {
            await indexer.RemoveAsync(tenantId, documentId, cancellationToken);
        }

        await _blobs.DeleteOriginalsAsync(tenantId, documentId, CancellationToken.None);
        return deleted;
    }

    private async Task<Document?> RunStagesAsync(Document document, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        document = document with
        {
            Status = DocumentStatus.Processing,
            Stage = IngestionStage.Extracting,
            Progress = 0,
            ProgressMessage = "Extracting",
            Error = null,
            Warnings = [],
            Attempts = document.Attempts + 1,
        };
        if (!await SaveAsync(document, cancellationToken))
        {
            return null;
        }

        try
        {
            using var original = await _blobs.OpenLocalAsync(document.StoredPath, cancellationToken)
                ?? throw new DocumentExtractionException(document.FileName, ExtractionFailure.Corrupt, "the stored original is missing from the data folder; upload the file again.");
            var path = original.Path;

            ExtractedDocument extracted;
            using (IngestionTelemetry.StartStage(IngestionStage.Extracting))
            {
                // Progress writes are chained so they land in order and all land before the next stage's write.
                var current = document;
                var progressWrites = Task.CompletedTask;
                var progress = new SynchronousProgress<ExtractionProgress>(p =>
                {
                    var percent = p.Total == 0 ? 0 : ExtractionShare * p.Completed / p.Total;
                    var snapshot = current = current with { Progress = percent, ProgressMessage = p.Message };
                    progressWrites = progressWrites.ContinueWith(_ => SaveAsync(snapshot, CancellationToken.None), TaskScheduler.Default).Unwrap();
                });
                extracted = await _transientRetry.ExecuteAsync(
                    async token => await _extractors.ExtractAsync(path, document.FileName, progress, token),
                    cancellationToken);
                await progressWrites;
                IngestionTelemetry.PagesExtracted.Add(extracted.Pages.Count);
            }

            document = document with
            {
                Stage = IngestionStage.Chunking,
                Progress = ExtractionShare,
                ProgressMessage = $"Chunking {extracted.Pages.Count} page(s)",
                PageCount = extracted.HasPhysicalPages ? extracted.Pages.Count : 0,
                Metadata = extracted.Metadata,
                Warnings = extracted.Warnings,
            };
            if (!await SaveAsync(document, cancellationToken))
            {
                return null;
            }

            await HoldIfRequestedAsync(IngestionStage.Chunking, cancellationToken);
            IReadOnlyList<Chunk> chunks;
            using (IngestionTelemetry.StartStage(IngestionStage.Chunking))
            {
                chunks = _chunker.Chunk(document.Id, document.TenantId, extracted);
                await _store.SaveContentAsync(document.TenantId, document.Id, extracted.ToDocumentPages(document.Id, document.TenantId), chunks, cancellationToken);
            }

            document = document with
            {
                Stage = IngestionStage.Indexing,
                Progress = ExtractionShare + ChunkingShare,
                ProgressMessage = $"Indexing {chunks.Count} chunk(s)",
                ChunkCount = chunks.Count,
            };
            if (!await SaveAsync(document, cancellationToken))
            {
                return null;
            }

            await HoldIfRequestedAsync(IngestionStage.Indexing, cancellationToken);
            using (IngestionTelemetry.StartStage(IngestionStage.Indexing))
            {
                foreach (var indexer in _indexers.Where(i => i.Stage == IngestionStage.Indexing))
                {
                    await indexer.IndexAsync(document.TenantId, document.Id, chunks, cancellationToken);
                }
            }

            var now = _time.GetUtcNow();
            document = document with
            {
                Status = DocumentStatus.Ready,
                Stage = IngestionStage.Ready,
                Progress = 100,
                ProgressMessage = "Ready",
                ReadyAt = now,
                EmbeddedChunks = 0,
                EmbeddingModel = null,
            };
            if (!await SaveAsync(document, cancellationToken))
            {
                await RemoveFromIndexesAsync(document);
                return null;
            }

            // Keyword-searchable now; the semantic stage follows in the background.
            await _embedding.EnqueueAsync(document.TenantId, document.Id, CancellationToken.None);

            IngestionTelemetry.DocumentsIngested.Add(1, new KeyValuePair<string, object?>("outcome", "ready"));
            LogReady(document.FileName, document.PageCount, document.ChunkCount, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return document;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is DocumentExtractionException ? ex.Message : $"Cannot ingest '{document.FileName}': {ex.Message}";
            if (ex is not DocumentExtractionException)
            {
                LogUnexpectedFailure(ex, document.FileName);
            }
            else
            {
                LogFailed(document.FileName, ex.Message);
            }

            await _store.ClearContentAsync(document.TenantId, document.Id, CancellationToken.None);
            await RemoveFromIndexesAsync(document);
            document = document with
            {
                Status = DocumentStatus.Failed,
                Stage = IngestionStage.Failed,
                ProgressMessage = "Failed",
                ChunkCount = 0,
                Error = reason,
            };
            await SaveAsync(document, CancellationToken.None);
            IngestionTelemetry.DocumentsIngested.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            return document;
        }
    }

    private async Task RemoveFromIndexesAsync(Document document)
    {
        foreach (var indexer in _indexers)
        {
            await indexer.RemoveAsync(document.TenantId, document.Id, CancellationToken.None);
        }
    }

    private async Task<bool> SaveAsync(Document document, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        document = document with { UpdatedAt = now };

        // A run's final state is saved and published as one step with the run marked ended (see ResetForReprocessingAsync).
        var ending = document.Status is DocumentStatus.Ready or DocumentStatus.Failed
            && _running.TryGetValue(RunKey(document.TenantId, document.Id), out var run) ? run : null;
        if (ending is not null)
        {
            await ending.Transition.WaitAsync(CancellationToken.None);
        }

        try
        {
            if (!await _store.UpdateAsync(document, cancellationToken))
            {
                return false;
            }

            _events.Publish(IngestionEvent.From(document, now));
            if (ending is not null)
            {
                ending.Ended = true;
            }

            return true;
        }
        finally
        {
            ending?.Transition.Release();
        }
    }

    private static string RunKey(string tenantId, string documentId) => tenantId + "/" + documentId;

    private async Task HoldIfRequestedAsync(IngestionStage stage, CancellationToken cancellationToken)
    {
        if (string.Equals(_options.TestHoldAtStage, stage.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            LogHolding(stage.ToString());
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
        }
    }

    private async Task<(long Size, string Sha256)> CopyAndHashAsync(Stream content, string destination, string fileName, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long size = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            size += read;
            if (size > _options.MaxFileBytes)
            {
                throw new IngestionRejectedException(fileName, RejectionReason.TooLarge,
                    $"{fileName}: the file is larger than the limit of {FormatBytes(_options.MaxFileBytes)} (AgentRag:Ingestion:MaxFileBytes).");
            }

            hash.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        DocumentExtractionException extraction => extraction.IsTransient,
        IOException => true,
        _ => false,
    };

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB",
        >= 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} bytes",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested {FileName}: {Pages} pages, {Chunks} chunks in {ElapsedMs:0} ms")]
    private partial void LogReady(string fileName, int pages, int chunks, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion failed: {Reason} ({FileName})")]
    private partial void LogFailed(string fileName, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected ingestion failure for {FileName}")]
    private partial void LogUnexpectedFailure(Exception exception, string fileName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transient failure, retry {Attempt}: {Reason}")]
    private partial void LogTransientRetry(int attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Test hook: holding at stage {Stage}")]
    private partial void LogHolding(string stage);

    /// <summary>
    /// One processing of a document: cancelled by <see cref="DeleteAsync"/>; <see cref="Ended"/> once its final state is
    /// saved and published; <see cref="Finished"/> once it no longer holds the document.
    /// </summary>
    private sealed class Run(CancellationToken cancellationToken) : IDisposable
    {
        private volatile bool _ended;

        public CancellationTokenSource Cancellation { get; } = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        /// <summary>Held while the final state is saved and published. Never disposed: a reset may still wait on it.</summary>
        public SemaphoreSlim Transition { get; } = new(1, 1);

        public bool Ended
        {
            get => _ended;
            set => _ended = value;
        }

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Whether the run has ended, waiting for a final state being saved right now.</summary>
        public async Task<bool> HasEndedAsync(CancellationToken cancellationToken)
        {
            await Transition.WaitAsync(cancellationToken);
            try
            {
                return Ended;
            }
            finally
            {
                Transition.Release();
            }
        }

        public void Dispose() => Cancellation.Dispose();
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, in order.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
