using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;

namespace AgentRag.Storage.Sqlite.Documents;

/// <summary>
/// <see cref="IDocumentStore"/> over the embedded <see cref="SqliteDatabase"/>: writes go through its group-commit
/// writer queue, reads through its read pool. Every statement filters on <c>tenant_id</c>. Thread-safe.
/// Arguments are validated up front: an invalid tenant id, or pages and chunks that belong to another document,
/// throw <see cref="ArgumentException"/> before anything is written.
/// </summary>
public sealed class SqliteDocumentStore(SqliteDatabase database) : IDocumentStore
{
    /// <summary>Largest page <see cref="ListAsync"/> returns.</summary>
    public const int MaxListLimit = 1000;

    private const string DocumentColumns =
        "tenant_id, id, file_name, content_type, size_bytes, sha256, status, stage, progress, progress_message, " +
        "page_count, chunk_count, error, warnings, metadata, stored_path, attempts, created_at, updated_at, ready_at, embedded_chunks, embedding_model";

    private const string ChunkColumns = "tenant_id, id, document_id, ordinal, text, token_count, pages, heading_path, spans";

    private readonly SqliteDatabase _database = database ?? throw new ArgumentNullException(nameof(database));

    public Task<Document?> GetAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        return _database.ReadAsync(connection => ReadDocument(connection, tenantId, documentId), cancellationToken);
    }

    public Task<Document?> FindBySha256Async(string tenantId, string sha256, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(sha256);
        return _database.ReadAsync(connection => FindBySha256(connection, tenantId, sha256), cancellationToken);
    }

    public Task<DocumentList> ListAsync(string tenantId, DocumentListQuery query, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Offset, "DocumentListQuery.Offset must be 0 or more.");
        }

        if (query.Limit is < 1 or > MaxListLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"DocumentListQuery.Limit must be between 1 and {MaxListLimit}.");
        }

        return _database.ReadAsync(connection =>
        {
            var status = query.Status?.ToString();
            int total;
            using (var count = connection.Prepare(
                "SELECT count(*) FROM documents WHERE tenant_id = @tenant AND (@status IS NULL OR status = @status)"))
            {
                count.Bind("@tenant", tenantId).Bind("@status", status).Step();
                total = count.GetInt32(0);
            }

            using var statement = connection.Prepare(
                $"SELECT {DocumentColumns} FROM documents WHERE tenant_id = @tenant AND (@status IS NULL OR status = @status) " +
                "ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset");
            statement.Bind("@tenant", tenantId).Bind("@status", status).Bind("@limit", query.Limit).Bind("@offset", query.Offset);
            var items = new List<Document>();
            while (statement.Step())
            {
                items.Add(ReadDocument(statement));
            }

            return new DocumentList(items, total);
        }, cancellationToken);
    }

    public Task InsertAsync(Document document, CancellationToken cancellationToken = default)
    {
        ValidateDocument(document);
        return _database.WriteAsync(connection =>
        {
            if (FindBySha256(connection, document.TenantId, document.Sha256) is { } existing)
            {
                throw new DuplicateDocumentException(existing);
            }

            using var statement = connection.Prepare(
                $"INSERT INTO documents ({DocumentColumns}) VALUES (@tenant, @id, @file_name, @content_type, @size_bytes, @sha256, " +
                "@status, @stage, @progress, @progress_message, @page_count, @chunk_count, @error, @warnings, @metadata, " +
                "@stored_path, @attempts, @created_at, @updated_at, @ready_at, @embedded_chunks, @embedding_model)");
            statement
                .Bind("@tenant", document.TenantId)
                .Bind("@id", document.Id)
                .Bind("@file_name", document.FileName)
                .Bind("@content_type", document.ContentType)
                .Bind("@size_bytes", document.SizeBytes)
                .Bind("@sha256", document.Sha256)
                .Bind("@stored_path", document.StoredPath)
                .Bind("@created_at", document.CreatedAt.UtcTicks);
            BindState(statement, document);
            statement.Execute();
        }, cancellationToken);
    }

    public Task<bool> UpdateAsync(Document document, CancellationToken cancellationToken = default)
    {
        ValidateDocument(document);
        return _database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                "UPDATE documents SET status = @status, stage = @stage, progress = @progress, progress_message = @progress_message, " +
                "page_count = @page_count, chunk_count = @chunk_count, error = @error, warnings = @warnings, metadata = @metadata, " +
                "attempts = @attempts, updated_at = @updated_at, ready_at = @ready_at, embedded_chunks = @embedded_chunks, " +
                "embedding_model = @embedding_model WHERE tenant_id = @tenant AND id = @id");
            statement.Bind("@tenant", document.TenantId).Bind("@id", document.Id);
            BindState(statement, document);
            return statement.Execute() == 1;
        }, cancellationToken);
    }

    /// <summary>
    /// Replaces the document's pages and chunks in one transaction. Throws <see cref="KeyNotFoundException"/> when the
    /// tenant has no such document (nothing is written), and <see cref="ArgumentException"/> when a page or chunk names
    /// another tenant or document, or two chunks share an ordinal or id.
    /// </summary>
    public Task SaveContentAsync(string tenantId, string documentId, IReadOnlyList<DocumentPage> pages, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        ValidateContent(tenantId, documentId, pages, chunks);

        // Serialize JSON outside the writer: the writer's time is the shared resource.
        var chunkJson = chunks.Select(chunk => (
            Pages: JsonSerializer.Serialize(chunk.Pages.ToArray(), StorageJsonContext.Default.Int32Array),
            Spans: JsonSerializer.Serialize(chunk.Spans.Select(span => new[] { span.Page, span.Start, span.End }).ToArray(), StorageJsonContext.Default.Int32ArrayArray)))
            .ToArray();

        return _database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            if (!DocumentExists(connection, tenantId, documentId))
            {
                throw new KeyNotFoundException($"Tenant '{tenantId}' has no document '{documentId}'; its content was not saved.");
            }

            DeleteContent(connection, tenantId, documentId);
            using (var insertPage = connection.Prepare(
                "INSERT INTO pages (tenant_id, document_id, number, text) VALUES (@tenant, @document, @number, @text)"))
            {
                foreach (var page in pages)
                {
                    insertPage.Bind("@tenant", tenantId).Bind("@document", documentId).Bind("@number", page.Number).Bind("@text", page.Text);
                    insertPage.Execute();
                }
            }

            using (var insertChunk = connection.Prepare(
                $"INSERT INTO chunks ({ChunkColumns}) VALUES (@tenant, @id, @document, @ordinal, @text, @token_count, @pages, @heading_path, @spans)"))
            {
                for (var i = 0; i < chunks.Count; i++)
                {
                    var chunk = chunks[i];
                    insertChunk
                        .Bind("@tenant", tenantId)
                        .Bind("@id", chunk.Id)
                        .Bind("@document", documentId)
                        .Bind("@ordinal", chunk.Ordinal)
                        .Bind("@text", chunk.Text)
                        .Bind("@token_count", chunk.TokenCount)
                        .Bind("@pages", chunkJson[i].Pages)
                        .Bind("@heading_path", chunk.HeadingPath)
                        .Bind("@spans", chunkJson[i].Spans);
                    insertChunk.Execute();
                }
            }

            transaction.Commit();
        }, cancellationToken);
    }

    public Task ClearContentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        return _database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            DeleteContent(connection, tenantId, documentId);
            transaction.Commit();
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Chunk>> GetChunksAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        return _database.ReadAsync<IReadOnlyList<Chunk>>(connection =>
        {
            using var statement = connection.Prepare(
                $"SELECT {ChunkColumns} FROM chunks WHERE tenant_id = @tenant AND document_id = @document ORDER BY ordinal");
            statement.Bind("@tenant", tenantId).Bind("@document", documentId);
            var chunks = new List<Chunk>();
            while (statement.Step())
            {
                chunks.Add(ReadChunk(statement));
            }

            return chunks;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Chunk>> GetChunksByIdAsync(string tenantId, IReadOnlyList<string> chunkIds, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (chunkIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<Chunk>>([]);
        }

        var idsJson = JsonSerializer.Serialize(chunkIds.ToArray(), StorageJsonContext.Default.StringArray);
        return _database.ReadAsync<IReadOnlyList<Chunk>>(connection =>
        {
            // One cached statement serves any number of ids: they travel as a JSON array.
            using var statement = connection.Prepare(
                $"SELECT {ChunkColumns} FROM chunks WHERE tenant_id = @tenant AND id IN (SELECT value FROM json_each(@ids))");
            statement.Bind("@tenant", tenantId).Bind("@ids", idsJson);
            var found = new Dictionary<string, Chunk>(StringComparer.Ordinal);
            while (statement.Step())
            {
                var chunk = ReadChunk(statement);
                found[chunk.Id] = chunk;
            }

            var ordered = new List<Chunk>(found.Count);
            foreach (var id in chunkIds)
            {
                if (id is not null && found.TryGetValue(id, out var chunk))
                {
                    ordered.Add(chunk);
                }
            }

            return ordered;
        }, cancellationToken);
    }

    public Task<DocumentPage?> GetPageAsync(string tenantId, string documentId, int pageNumber, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        return _database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT text FROM pages WHERE tenant_id = @tenant AND document_id = @document AND number = @number");
            statement.Bind("@tenant", tenantId).Bind("@document", documentId).Bind("@number", pageNumber);
            return statement.Step() ? new DocumentPage(documentId, tenantId, pageNumber, statement.GetString(0)) : null;
        }, cancellationToken);
    }

    public Task<bool> DeleteAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        return _database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            DeleteContent(connection, tenantId, documentId);
            using var statement = connection.Prepare("DELETE FROM documents WHERE tenant_id = @tenant AND id = @id");
            statement.Bind("@tenant", tenantId).Bind("@id", documentId);
            var deleted = statement.Execute() == 1;
            transaction.Commit();
            return deleted;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Document>> ListUnfinishedAsync(CancellationToken cancellationToken = default) =>
        _database.ReadAsync<IReadOnlyList<Document>>(connection =>
        {
            using var statement = connection.Prepare(
                $"SELECT {DocumentColumns} FROM documents WHERE status IN ('Pending', 'Processing') ORDER BY created_at, tenant_id, id");
            var documents = new List<Document>();
            while (statement.Step())
            {
                documents.Add(ReadDocument(statement));
            }

            return documents;
        }, cancellationToken);

    public Task<bool> UpdateEmbeddingAsync(
        string tenantId, string documentId, int attempt, string model, int embeddedChunks, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddedChunks);
        return _database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                "UPDATE documents SET embedded_chunks = @embedded_chunks, embedding_model = @embedding_model, updated_at = @updated_at " +
                "WHERE tenant_id = @tenant AND id = @id AND status = 'Ready' AND attempts = @attempts");
            statement.Bind("@tenant", tenantId).Bind("@id", documentId).Bind("@attempts", attempt)
                .Bind("@embedded_chunks", embeddedChunks).Bind("@embedding_model", model).Bind("@updated_at", updatedAt.UtcTicks);
            return statement.Execute() == 1;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Document>> ListAwaitingEmbeddingAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        return _database.ReadAsync<IReadOnlyList<Document>>(connection =>
        {
            using var statement = connection.Prepare(
                $"SELECT {DocumentColumns} FROM documents WHERE status = 'Ready' " +
                "AND (embedding_model IS NULL OR embedding_model <> @model OR embedded_chunks < chunk_count) ORDER BY ready_at, tenant_id, id");
            statement.Bind("@model", model);
            var documents = new List<Document>();
            while (statement.Step())
            {
                documents.Add(ReadDocument(statement));
            }

            return documents;
        }, cancellationToken);
    }

    private static Document? ReadDocument(SqliteConnection connection, string tenantId, string documentId)
    {
        using var statement = connection.Prepare($"SELECT {DocumentColumns} FROM documents WHERE tenant_id = @tenant AND id = @id");
        statement.Bind("@tenant", tenantId).Bind("@id", documentId);
        return statement.Step() ? ReadDocument(statement) : null;
    }

    private static Document? FindBySha256(SqliteConnection connection, string tenantId, string sha256)
    {
        using var statement = connection.Prepare($"SELECT {DocumentColumns} FROM documents WHERE tenant_id = @tenant AND sha256 = @sha256");
        statement.Bind("@tenant", tenantId).Bind("@sha256", sha256);
        return statement.Step() ? ReadDocument(statement) : null;
    }

    private static bool DocumentExists(SqliteConnection connection, string tenantId, string documentId)
    {
        using var statement = connection.Prepare("SELECT 1 FROM documents WHERE tenant_id = @tenant AND id = @id");
        statement.Bind("@tenant", tenantId).Bind("@id", documentId);
        return statement.Step();
    }

    private static void DeleteContent(SqliteConnection connection, string tenantId, string documentId)
    {
        using (var pages = connection.Prepare("DELETE FROM pages WHERE tenant_id = @tenant AND document_id = @document"))
        {
            pages.Bind("@tenant", tenantId).Bind("@document", documentId).Execute();
        }

        using var chunks = connection.Prepare("DELETE FROM chunks WHERE tenant_id = @tenant AND document_id = @document");
        chunks.Bind("@tenant", tenantId).Bind("@document", documentId).Execute();
    }

    private static void BindState(SqliteStatement statement, Document document) =>
        statement
            .Bind("@status", document.Status.ToString())
            .Bind("@stage", document.Stage.ToString())
            .Bind("@progress", document.Progress)
            .Bind("@progress_message", document.ProgressMessage)
            .Bind("@page_count", document.PageCount)
            .Bind("@chunk_count", document.ChunkCount)
            .Bind("@error", document.Error)
            .Bind("@warnings", JsonSerializer.Serialize(document.Warnings.ToArray(), StorageJsonContext.Default.StringArray))
            .Bind("@metadata", JsonSerializer.Serialize(document.Metadata, StorageJsonContext.Default.DocumentMetadata))
            .Bind("@attempts", document.Attempts)
            .Bind("@updated_at", document.UpdatedAt.UtcTicks)
            .Bind("@ready_at", document.ReadyAt?.UtcTicks)
            .Bind("@embedded_chunks", document.EmbeddedChunks)
            .Bind("@embedding_model", document.EmbeddingModel);

    private static Document ReadDocument(SqliteStatement row) => new()
    {
        TenantId = row.GetString(0),
        Id = row.GetString(1),
        FileName = row.GetString(2),
        ContentType = row.GetString(3),
        SizeBytes = row.GetInt64(4),
        Sha256 = row.GetString(5),
        Status = ParseEnum<DocumentStatus>(row, 6),
        Stage = ParseEnum<IngestionStage>(row, 7),
        Progress = row.GetInt32(8),
        ProgressMessage = row.GetNullableString(9),
        PageCount = row.GetInt32(10),
        ChunkCount = row.GetInt32(11),
        Error = row.GetNullableString(12),
        Warnings = ParseJson(row, 13, StorageJsonContext.Default.StringArray),
        Metadata = ParseJson(row, 14, StorageJsonContext.Default.DocumentMetadata),
        StoredPath = row.GetString(15),
        Attempts = row.GetInt32(16),
        CreatedAt = FromTicks(row.GetInt64(17)),
        UpdatedAt = FromTicks(row.GetInt64(18)),
        ReadyAt = row.GetNullableInt64(19) is { } readyAt ? FromTicks(readyAt) : null,
        EmbeddedChunks = row.GetInt32(20),
        EmbeddingModel = row.GetNullableString(21),
    };

    private static Chunk ReadChunk(SqliteStatement row) => new()
    {
        TenantId = row.GetString(0),
        Id = row.GetString(1),
        DocumentId = row.GetString(2),
        Ordinal = row.GetInt32(3),
        Text = row.GetString(4),
        TokenCount = row.GetInt32(5),
        Pages = ParseJson(row, 6, StorageJsonContext.Default.Int32Array),
        HeadingPath = row.GetString(7),
        Spans = [.. ParseJson(row, 8, StorageJsonContext.Default.Int32ArrayArray).Select(ToSpan)],
    };

    private static SourceSpan ToSpan(int[] span) =>
        span.Length == 3 ? new SourceSpan(span[0], span[1], span[2]) : throw new InvalidDataException($"A stored chunk span has {span.Length} numbers; expected [page, start, end].");

    private static DateTimeOffset FromTicks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private static TEnum ParseEnum<TEnum>(SqliteStatement row, int column)
        where TEnum : struct, Enum
    {
        var text = row.GetString(column);
        return Enum.TryParse<TEnum>(text, ignoreCase: false, out var value) && Enum.IsDefined(value)
            ? value
            : throw new InvalidDataException($"Column '{row.GetColumnName(column)}' holds '{text}', which is not a {typeof(TEnum).Name}.");
    }

    private static T ParseJson<T>(SqliteStatement row, int column, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(row.GetString(column), type)
                ?? throw new InvalidDataException($"Column '{row.GetColumnName(column)}' holds JSON null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Column '{row.GetColumnName(column)}' holds invalid JSON: {ex.Message}", ex);
        }
    }

    private static void RequireTenant(string tenantId) => Tenancy.ThrowIfInvalid(tenantId);

    private static void ValidateDocument(Document document)
    {
        ArgumentNullException.ThrowIfNull(document);
        RequireTenant(document.TenantId);
        if (string.IsNullOrEmpty(document.Id))
        {
            throw new ArgumentException("Document.Id is required.", nameof(document));
        }

        if (string.IsNullOrEmpty(document.Sha256))
        {
            throw new ArgumentException($"Document '{document.Id}' has no Sha256.", nameof(document));
        }
    }

    private static void ValidateContent(string tenantId, string documentId, IReadOnlyList<DocumentPage> pages, IReadOnlyList<Chunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(chunks);
        var pageNumbers = new HashSet<int>();
        foreach (var page in pages)
        {
            if (page is null || page.TenantId != tenantId || page.DocumentId != documentId)
            {
                throw new ArgumentException($"Every page must belong to document '{documentId}' of tenant '{tenantId}'; page {page?.Number} belongs to '{page?.DocumentId}' of '{page?.TenantId}'.", nameof(pages));
            }

            if (!pageNumbers.Add(page.Number))
            {
                throw new ArgumentException($"Page {page.Number} of document '{documentId}' appears twice.", nameof(pages));
            }
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var ordinals = new HashSet<int>();
        foreach (var chunk in chunks)
        {
            if (chunk is null || chunk.TenantId != tenantId || chunk.DocumentId != documentId)
            {
                throw new ArgumentException($"Every chunk must belong to document '{documentId}' of tenant '{tenantId}'; chunk '{chunk?.Id}' belongs to '{chunk?.DocumentId}' of '{chunk?.TenantId}'.", nameof(chunks));
            }

            if (!ids.Add(chunk.Id) || !ordinals.Add(chunk.Ordinal))
            {
                throw new ArgumentException($"Chunk '{chunk.Id}' (ordinal {chunk.Ordinal}) repeats an id or ordinal of document '{documentId}'.", nameof(chunks));
            }
        }
    }
}
