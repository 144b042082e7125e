using System.ComponentModel;
using System.Text.Json;
using AgentRag.Core.Documents;
using AgentRag.Core.Events;
using AgentRag.Core.Retention;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Extraction;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Models;
using AgentRag.Models.Configuration;
using AgentRag.Server.Auditing;
using AgentRag.Server.Hosting;
using AgentRag.Server.Previews;
using AgentRag.Server.Security;
using AgentRag.Server.Streaming;
using AgentRag.Server.Limits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AgentRag.Server.Apis;

/// <summary><c>/v1/documents</c>: upload, list, inspect, follow, reprocess and delete documents.</summary>
public static class DocumentsApi
{
    public static RouteGroupBuilder MapDocumentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/documents").WithTags("Documents").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer).WithEnumParameters();
        api.MapPost("/", UploadAsync).WithName("UploadDocuments").WithSummary("Upload files for ingestion (multipart, one part per file).").DisableAntiforgery().RequireAuthorization(AuthPolicies.Member)
            .WithLimitGroup(LimitGroup.Uploads).AddEndpointFilter<UploadQuotaFilter>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .AcceptsFiles("files")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage)
            .Audited(AuditActions.DocumentUpload);
        api.MapGet("/", ListAsync).WithName("ListDocuments").WithSummary("The tenant's documents, filtered by status, one page at a time.");
        api.MapGet("/{id}", GetAsync).WithName("GetDocument").WithSummary("A document and its ingestion status.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/chunks", GetChunksAsync).WithName("GetDocumentChunks").WithSummary("A document's indexed chunks.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/pages/{number:int}", GetPageAsync).WithName("GetDocumentPage").WithSummary("One page of a document's extracted text.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/pages/{number:int}/image", GetPageImageAsync).WithName("GetDocumentPageImage").WithSummary("One page of a PDF as a PNG image (rendered once, then cached).")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status410Gone).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/{id}/original", GetOriginalAsync).WithName("GetDocumentOriginal").WithSummary("The uploaded file itself, as a download.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/passage", GetPassageAsync).WithName("GetDocumentPassage").WithSummary("A quote of a page with the sentences around it (a citation's context).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/events", StreamEventsAsync).WithName("StreamDocumentEvents").WithSummary("Follow a document's ingestion (server-sent events; Last-Event-ID resumes).").Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{id}/reprocess", ReprocessAsync).WithName("ReprocessDocument").WithSummary("Ingest a document again from its stored original.").RequireAuthorization(AuthPolicies.Member).WithLimitGroup(LimitGroup.Uploads).Audited(AuditActions.DocumentReprocess)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status410Gone);
        api.MapDelete("/{id}", DeleteAsync).WithName("DeleteDocument").WithSummary("Delete a document, its chunks and its original.").RequireAuthorization(AuthPolicies.Member).Audited(AuditActions.DocumentDelete)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>A file accepted for ingestion.</summary>
    public sealed record AcceptedDocument(string Id, string FileName, string Status, bool Duplicate);

    /// <summary>A file of the request that was refused; the other files are unaffected.</summary>
    public sealed record RejectedFile(string FileName, int Status, string Detail);

    public sealed record UploadResponse(IReadOnlyList<AcceptedDocument> Documents, IReadOnlyList<RejectedFile> Rejected) : IAuditTarget
    {
        string? IAuditTarget.AuditTarget => Documents.Count == 0 ? null : string.Join(',', Documents.Select(d => d.Id));
    }

    /// <summary>The query string of <c>GET /v1/documents</c>.</summary>
    public sealed record DocumentListFilter(
        [property: FromQuery(Name = "status"), Description("Only documents in this status.")] EnumParameter<DocumentStatus>? Status = null,
        [property: FromQuery(Name = "offset"), Description("Documents to skip (default 0).")] int? Offset = null,
        [property: FromQuery(Name = "limit"), Description("Most documents to return, 1 to 500 (default 50).")] int? Limit = null);

    public sealed record DocumentListResponse(IReadOnlyList<Document> Items, int Total, int Offset, int Limit);

    internal static async Task<Results<Accepted<UploadResponse>, ProblemHttpResult>> UploadAsync(
        HttpRequest request,
        TenantId tenant,
        DocumentIngestionService ingestion,
        ScratchSpace scratch,
        IIngestionQueue queue,
        IOptions<ServerOptions> serverOptions,
        IOptions<IngestionOptions> ingestionOptions,
        TenantQuotas quotas,
        CancellationToken cancellationToken)
    {
        var maxFiles = serverOptions.Value.MaxFilesPerUpload;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported upload",
                "Upload files as multipart/form-data, one part per file (field name 'files').");
        }

        await using var staged = new StagedUploads(scratch);
        var reader = new MultipartReader(boundary, request.Body);
        var rejected = new List<RejectedFile>();
        var sections = 0;
        string? partInFlight = null;
        MultipartSection? section;
        try
        {
            while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
            {
                sections++;
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFileDisposition())
                {
                    continue;
                }

                if (staged.Count == maxFiles)
                {
                    return Problem(StatusCodes.Status400BadRequest, "Too many files",
                        $"At most {maxFiles} files can be uploaded in one request (AgentRag:Server:MaxFilesPerUpload).");
                }

                var fileName = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "");
                if (fileName.Length == 0)
                {
                    fileName = $"upload-{staged.Count + 1}";
                }

                partInFlight = fileName;
                var outcome = await staged.StageAsync(section.Body, fileName, ingestionOptions.Value.MaxFileBytes, cancellationToken);
                partInFlight = null;
                if (outcome is not null)
                {
                    rejected.Add(outcome);
                }
            }
        }
        catch (ScratchSpaceFullException ex)
        {
            return Problem(StatusCodes.Status507InsufficientStorage, "Scratch space full", ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own refusals while reading the body: over its size limit (413), or the body ended early.
            return Problem(ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Upload too large" : "Malformed upload",
                $"The upload body could not be read: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            // A cut-off or malformed multipart body. Staged parts and the part in flight are already deleted.
            var reason = ex is InvalidDataException ? $" ({ex.Message})" : "";
            return Problem(StatusCodes.Status400BadRequest, "Malformed upload", (sections, partInFlight) switch
            {
                (0, _) => $"The multipart body is empty or does not start with its boundary '--{boundary}'{reason}. Send each file as a part with a file name (field name 'files').",
                (_, { } file) => $"The multipart body ends before its closing boundary: part '{file}' is cut off{reason}.",
                _ => $"The multipart body ends before its closing boundary '--{boundary}--'{reason}.",
            });
        }

        if (staged.Count == 0 && rejected.Count == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "No file",
                "The request has no file part. Send each file as a multipart part with a file name (field name 'files').");
        }

        var stagedBytes = staged.Files.Sum(file => new FileInfo(file.Path).Length);
        if (await quotas.CheckStorageAsync(tenant.Value, staged.Count, stagedBytes, cancellationToken) is { } overQuota)
        {
            return overQuota;
        }

        var accepted = new List<AcceptedDocument>();
        foreach (var (fileName, path) in staged.Files)
        {
            try
            {
                var submitted = await ingestion.SubmitFileAsync(tenant.Value, path, fileName, cancellationToken);
                accepted.Add(new AcceptedDocument(submitted.Document.Id, fileName,
                    submitted.Document.Status.ToString().ToLowerInvariant(), submitted.AlreadyExisted));
                if (submitted.Document.Status is DocumentStatus.Pending or DocumentStatus.Failed && !submitted.AlreadyExisted)
                {
                    await queue.EnqueueAsync(new IngestionJob(tenant.Value, submitted.Document.Id), CancellationToken.None);
                }
            }
            catch (IngestionRejectedException ex)
            {
                rejected.Add(new RejectedFile(fileName, StatusFor(ex.Reason), ex.Message));
            }
        }

        if (accepted.Count == 0)
        {
            var first = rejected[0];
            var problem = TypedResults.Problem(
                statusCode: first.Status,
                title: rejected.Count == 1 ? "File refused" : "Every file was refused",
                detail: string.Join(" ", rejected.Select(r => r.Detail)),
                extensions: new Dictionary<string, object?> { ["rejected"] = rejected });
            return problem;
        }

        return TypedResults.Accepted((string?)null, new UploadResponse(accepted, rejected));
    }

    internal static async Task<Ok<DocumentListResponse>> ListAsync(
        TenantId tenant, IDocumentStore store, IOptions<RetentionOptions> retention, TimeProvider time, [AsParameters] DocumentListFilter filter,
        CancellationToken cancellationToken)
    {
        var query = new DocumentListQuery(filter.Status?.Value, Math.Max(0, filter.Offset ?? 0), Math.Clamp(filter.Limit ?? 50, 1, 500));
        var list = await store.ListAsync(tenant.Value, query, cancellationToken);
        var now = time.GetUtcNow();
        return TypedResults.Ok(new DocumentListResponse(
            [.. list.Items.Select(d => retention.Value.WithOriginalState(d, now))], list.Total, query.Offset, query.Limit));
    }

    internal static async Task<Results<Ok<Document>, ProblemHttpResult>> GetAsync(
        string id, TenantId tenant, IDocumentStore store, IOptions<RetentionOptions> retention, TimeProvider time, CancellationToken cancellationToken) =>
        await store.GetAsync(tenant.Value, id, cancellationToken) is { } document
            ? TypedResults.Ok(retention.Value.WithOriginalState(document, time.GetUtcNow()))
            : DocumentNotFound(id);

    internal static async Task<Results<Ok<IReadOnlyList<Chunk>>, ProblemHttpResult>> GetChunksAsync(
        string id, TenantId tenant, IDocumentStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(tenant.Value, id, cancellationToken) is null)
        {
            return DocumentNotFound(id);
        }

        return TypedResults.Ok(await store.GetChunksAsync(tenant.Value, id, cancellationToken));
    }

    internal static async Task<Results<Ok<DocumentPage>, ProblemHttpResult>> GetPageAsync(
        string id, int number, TenantId tenant, IDocumentStore store, CancellationToken cancellationToken)
    {
        var document = await store.GetAsync(tenant.Value, id, cancellationToken);
        if (document is null)
        {
            return DocumentNotFound(id);
        }

        return await store.GetPageAsync(tenant.Value, id, number, cancellationToken) is { } page
            ? TypedResults.Ok(page)
            : Problem(StatusCodes.Status404NotFound, "Page not found",
                document.PageCount > 0
                    ? $"Document '{id}' has pages 1–{document.PageCount}; there is no page {number}."
                    : $"Document '{id}' has no page {number} (formats without pages store their text as page 0).");
    }

    /// <summary>
    /// Page <paramref name="number"/> of a PDF as a PNG <paramref name="width"/> pixels wide (default
    /// <see cref="PageImageOptions.DefaultWidth"/>), from <see cref="PageImageCache"/>. 415 for a document that is not a
    /// PDF, 409 while it is not processed yet, 404 for a page it does not have, 410 when its original has expired.
    /// </summary>
    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetPageImageAsync(
        string id, int number, int? width, TenantId tenant, HttpContext httpContext, IDocumentStore store, PageImageCache images,
        IOptions<PageImageOptions> options, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var pixels = width ?? settings.DefaultWidth;
        if (pixels < PageImageOptions.MinWidth || pixels > settings.MaxWidth)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid width",
                $"'width' must be {PageImageOptions.MinWidth}–{settings.MaxWidth} pixels ({PageImageOptions.SectionName}:{nameof(PageImageOptions.MaxWidth)}); got {pixels}.");
        }

        if (await store.GetAsync(tenant.Value, id, cancellationToken) is not { } document)
        {
            return DocumentNotFound(id);
        }

        if (!document.ContentType.Equals("application/pdf", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Not a PDF",
                $"Document '{id}' is {document.ContentType}; page images exist only for PDFs (read its text at /v1/documents/{id}/pages/{{number}}).");
        }

        if (document.Status != DocumentStatus.Ready && document.PageCount == 0)
        {
            return Problem(StatusCodes.Status409Conflict, "Document not processed",
                $"Document '{id}' is {document.Status.ToString().ToLowerInvariant()}; its pages can be shown once it is ready.");
        }

        if (number < 1 || number > document.PageCount)
        {
            return Problem(StatusCodes.Status404NotFound, "Page not found", $"Document '{id}' has pages 1–{document.PageCount}; there is no page {number}.");
        }

        try
        {
            // An image evicted between the lookup and the open is rendered again, once.
            for (var attempt = 0; ; attempt++)
            {
                var path = await images.GetOrRenderAsync(document, number, pixels, cancellationToken);
                try
                {
                    var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 16 * 1024, useAsync: true);
                    httpContext.Response.Headers.CacheControl = "private, no-cache";
                    return TypedResults.File(stream, "image/png", lastModified: File.GetLastWriteTimeUtc(path));
                }
                catch (FileNotFoundException) when (attempt == 0)
                {
                    // Evicted by another request's trim: render it again.
                }
            }
        }
        catch (OriginalUnavailableException)
        {
            return Problem(StatusCodes.Status410Gone, "Original no longer stored",
                $"The original file of document '{id}' is no longer stored (AgentRag:Retention:OriginalFileDays), so its pages cannot be shown as images.");
        }
        catch (DocumentExtractionException ex)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "Page not rendered", ex.Message);
        }
    }

    /// <summary>
    /// The original file, always as an attachment (an uploaded HTML file must not render on the server's origin), with
    /// the content type recorded at upload.
    /// </summary>
    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetOriginalAsync(
        string id, TenantId tenant, IDocumentStore store, IBlobStore blobs, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(tenant.Value, id, cancellationToken) is not { } document)
        {
            return DocumentNotFound(id);
        }

        var original = await blobs.OpenLocalAsync(document.StoredPath, cancellationToken);
        if (original is null)
        {
            return Problem(StatusCodes.Status404NotFound, "Original not found",
                $"The original file of document '{id}' is missing from the data folder; upload it again.");
        }

        var stream = new OriginalFileStream(original);
        return TypedResults.File(stream, "application/octet-stream", document.FileName, document.UpdatedAt);
    }

    /// <summary>
    /// The quote at [<paramref name="start"/>, <paramref name="end"/>) of page <paramref name="page"/>'s stored text (a
    /// citation's <c>quoteSpan</c>), or the first occurrence of <paramref name="quote"/> on the page, with up to
    /// <paramref name="context"/> (default 2, at most 5) sentences before and after it.
    /// </summary>
    internal static async Task<Results<Ok<PassageContext>, ProblemHttpResult>> GetPassageAsync(
        string id, TenantId tenant, IDocumentStore store, int? page, int? start, int? end, string? quote, int? context, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(tenant.Value, id, cancellationToken) is not { } document)
        {
            return DocumentNotFound(id);
        }

        var number = page ?? (document.PageCount > 0 ? 1 : 0);
        var sentences = context ?? 2;
        if (sentences is < 0 or > 5)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid context", $"context must be 0–5 sentences; got {sentences}.");
        }

        if (start is not null != end is not null || (start is { } s && end is { } e && (s < 0 || e <= s)))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid span",
                "Give both start and end (0 ≤ start < end, offsets in the page's stored text), or neither and a quote.");
        }

        if (start is null && string.IsNullOrWhiteSpace(quote))
        {
            return Problem(StatusCodes.Status400BadRequest, "No quote", "Give the quote's span (start and end) or its text (quote).");
        }

        if (await store.GetPageAsync(tenant.Value, id, number, cancellationToken) is not { } stored)
        {
            return Problem(StatusCodes.Status404NotFound, "Page not found", $"Document '{id}' has no page {number}.");
        }

        var passage = PassageContext.Around(document, stored, start, end, quote, sentences);
        return passage is null
            ? Problem(StatusCodes.Status400BadRequest, "Span outside the page", $"Page {number} of document '{id}' has {stored.Text.Length} characters; the span {start}–{end} is outside it.")
            : TypedResults.Ok(passage);
    }

    internal static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> StreamEventsAsync(
        string id, TenantId tenant, HttpContext httpContext, IDocumentStore store, IEventLog eventLog, ServerSentEvents events, ModelCatalog models,
        CancellationToken cancellationToken)
    {
        var document = await store.GetAsync(tenant.Value, id, cancellationToken);
        if (document is null)
        {
            return DocumentNotFound(id);
        }

        // A client that already saw the end of the document's current run gets an empty stream rather than a wait.
        var streamId = DocumentEventRecorder.StreamId(id);
        var embeddingModel = models.TryGet(ModelProfileNames.Embedding, out var embedding) ? embedding.Model : null;
        if (await SawTheEndAsync(eventLog, tenant.Value, streamId, ServerSentEvents.ParseLastEventId(httpContext.Request), document, embeddingModel, cancellationToken))
        {
            return ServerSentEvents.Empty();
        }

        return events.Stream(httpContext, tenant.Value, streamId, DocumentEventRecorder.IsFinal);
    }

    /// <summary>
    /// True when the client has seen (<paramref name="lastEventId"/> at or past it) the final event of the document's
    /// current run: the document is finished, and the log's last event is final and of that run (its <c>attempt</c> is
    /// the document's <c>attempts</c>; events logged before runs were numbered: as recent as the document's last change).
    /// Events reach the log shortly after the document changes (<see cref="DocumentEventRecorder"/>), so a run that has
    /// just ended (say, after a reprocess) may not be logged yet; such a client gets the live stream instead. The run
    /// number, not the time, tells the runs apart: two runs' ends can carry the same time. A <c>ready</c> whose semantic
    /// stage's events are still to come (an embedding model is configured and the log ends at <c>ready</c>) is not the
    /// end: a client reconnecting after it follows the <c>embedding</c> events, even before the first is logged.
    /// </summary>
    private static async Task<bool> SawTheEndAsync(
        IEventLog eventLog, string tenantId, string streamId, long lastEventId, Document document, string? embeddingModel, CancellationToken cancellationToken)
    {
        if (lastEventId <= 0 || document.Status is not (DocumentStatus.Ready or DocumentStatus.Failed))
        {
            return false;
        }

        // A document's stream is short (one event per stage and progress step, per run).
        var logged = await eventLog.ReadAsync(tenantId, streamId, 0, 100_000, cancellationToken);
        if (logged is not [.., var last] || !DocumentEventRecorder.IsFinal(last) || lastEventId < last.Sequence)
        {
            return false;
        }

        // Not IsEmbeddedWith: the stage may have finished already while its events are not logged yet (they follow the
        // document's change), and the client must still receive them.
        if (last.Type == DocumentEventRecorder.ReadyEvent && embeddingModel is not null && document.Status == DocumentStatus.Ready
            && document.ChunkCount > 0)
        {
            return false;
        }

        using var data = JsonDocument.Parse(last.Data);
        if (data.RootElement.TryGetProperty("attempt", out var attempt))
        {
            return attempt.GetInt32() == document.Attempts;
        }

        return data.RootElement.TryGetProperty("timestamp", out var timestamp) && timestamp.GetDateTimeOffset() >= document.UpdatedAt;
    }

    internal static async Task<Results<Accepted<Document>, ProblemHttpResult>> ReprocessAsync(
        string id, TenantId tenant, DocumentIngestionService ingestion, IIngestionQueue queue, PageImageCache images, CancellationToken cancellationToken)
    {
        Document? document;
        try
        {
            document = await ingestion.ResetForReprocessingAsync(tenant.Value, id, cancellationToken);
        }
        catch (OriginalUnavailableException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status410Gone, title: "Original no longer stored");
        }

        if (document is null)
        {
            return DocumentNotFound(id);
        }

        images.Invalidate(tenant.Value, id);
        if (document.Status == DocumentStatus.Pending)
        {
            await queue.EnqueueAsync(new IngestionJob(tenant.Value, id), CancellationToken.None);
        }

        return TypedResults.Accepted($"/v1/documents/{id}", document);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, TenantId tenant, DocumentIngestionService ingestion, IEventLog eventLog, PageImageCache images, CancellationToken cancellationToken)
    {
        if (!await ingestion.DeleteAsync(tenant.Value, id, cancellationToken))
        {
            return DocumentNotFound(id);
        }

        images.Invalidate(tenant.Value, id);

        await eventLog.DeleteStreamAsync(tenant.Value, DocumentEventRecorder.StreamId(id), cancellationToken);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult DocumentNotFound(string id) =>
        Problem(StatusCodes.Status404NotFound, "Document not found", $"No document '{id}' exists for this tenant.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    private static int StatusFor(RejectionReason reason) => reason switch
    {
        RejectionReason.TooLarge => StatusCodes.Status413PayloadTooLarge,
        RejectionReason.UnsupportedType => StatusCodes.Status415UnsupportedMediaType,
        RejectionReason.InvalidContent => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status400BadRequest,
    };
}
