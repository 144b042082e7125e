using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentRag.Core;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using Npgsql;

namespace AgentRag.Storage.Postgres.Documents;

/// <summary>
/// <see cref="IDocumentStore"/> over the shared database's <c>documents</c>, <c>pages</c> and <c>chunks</c> tables. Each
/// write is one transaction; content is written with binary COPY. Every statement filters on <c>tenant_id</c>. A
/// duplicate upload racing on another replica is caught by the unique (tenant, sha256) index. Thread-safe.
/// </summary>
public sealed class PostgresDocumentStore(PostgresDatabase database) : IDocumentStore
{
    /// <summary>Largest page <see cref="ListAsync"/> returns.</summary>
    public const int MaxListLimit = 1000;

    private const string DocumentColumns =
        "tenant_id, id, file_name, content_type, size_bytes, sha256, status, stage, progress, progress_message, " +
        "page_count, chunk_count, error, warnings, metadata, stored_path, attempts, created_at, updated_at, ready_at, embedded_chunks, embedding_model";

    private const string ChunkColumns = "tenant_id, id, document_id, ordinal, text, token_count, pages, heading_path, spans";

    public async Task<Document?> GetAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadOneAsync(connection, null, "id = @id", tenantId, documentId, cancellationToken);
    }

    public async Task<Document?> FindBySha256Async(string tenantId, string sha256, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(sha256);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadOneAsync(connection, null, "sha256 = @id", tenantId, sha256, cancellationToken);
    }

    public async Task<DocumentList> ListAsync(string tenantId, DocumentListQuery query, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Offset, "DocumentListQuery.Offset must be 0 or more.");
        }

        if (query.Limit is < 1 or > MaxListLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"DocumentListQuery.Limit must be between 1 and {MaxListLimit}.");
        }

        var status = query.Status?.ToString();
        await using var connection = await database.OpenAsync(cancellationToken);
        int total;
        await using (var count = connection.Command("SELECT count(*) FROM documents WHERE tenant_id = @tenant AND (@status IS NULL OR status = @status)")
            .With("tenant", tenantId).With("status", status))
        {
            total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var list = connection.Command(
            $"SELECT {DocumentColumns} FROM documents WHERE tenant_id = @tenant AND (@status IS NULL OR status = @status) " +
            "ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset")
            .With("tenant", tenantId).With("status", status).With("limit", query.Limit).With("offset", query.Offset);
        return new DocumentList(await ReadDocumentsAsync(list, cancellationToken), total);
    }

    public async Task InsertAsync(Document document, CancellationToken cancellationToken = default)
    {
        ValidateDocument(document);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var insert = connection.Command(
            $"INSERT INTO documents ({DocumentColumns}) VALUES (@tenant, @id, @file_name, @content_type, @size_bytes, @sha256, " +
            "@status, @stage, @progress, @progress_message, @page_count, @chunk_count, @error, @warnings, @metadata, " +
            "@stored_path, @attempts, @created_at, @updated_at, @ready_at, @embedded_chunks, @embedding_model) " +
            "ON CONFLICT (tenant_id, sha256) DO NOTHING")
            .With("tenant", document.TenantId).With("id", document.Id).With("file_name", document.FileName)
            .With("content_type", document.ContentType).With("size_bytes", document.SizeBytes).With("sha256", document.Sha256)
            .With("stored_path", document.StoredPath).With("created_at", document.CreatedAt.UtcTicks);
        WithState(insert, document);
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            var existing = await ReadOneAsync(connection, null, "sha256 = @id", document.TenantId, document.Sha256, cancellationToken)
                ?? throw new InvalidOperationException($"Document '{document.Id}' conflicted with a document that is gone; retry.");
            throw new DuplicateDocumentException(existing);
        }
    }

    public async Task<bool> UpdateAsync(Document document, CancellationToken cancellationToken = default)
    {
        ValidateDocument(document);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.Command(
            "UPDATE documents SET status = @status, stage = @stage, progress = @progress, progress_message = @progress_message, " +
            "page_count = @page_count, chunk_count = @chunk_count, error = @error, warnings = @warnings, metadata = @metadata, " +
            "attempts = @attempts, updated_at = @updated_at, ready_at = @ready_at, embedded_chunks = @embedded_chunks, " +
            "embedding_model = @embedding_model WHERE tenant_id = @tenant AND id = @id")
            .With("tenant", document.TenantId).With("id", document.Id);
        WithState(update, document);
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return false;
        }

        if (document.Status == DocumentStatus.Ready)
        {
            await NotifyAsync(connection, DocumentChange.Ready, document.TenantId, document.Id, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Replaces the document's pages and chunks in one transaction, holding the document's row lock so two replicas
    /// processing one document never interleave. Throws <see cref="KeyNotFoundException"/> when the tenant has no such
    /// document, and <see cref="ArgumentException"/> for content of another document; nothing is written then.
    /// </summary>
    public async Task SaveContentAsync(string tenantId, string documentId, IReadOnlyList<DocumentPage> pages, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        ValidateContent(tenantId, documentId, pages, chunks);

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var exists = connection.Command("SELECT 1 FROM documents WHERE tenant_id = @tenant AND id = @id FOR UPDATE", transaction)
            .With("tenant", tenantId).With("id", documentId))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                throw new KeyNotFoundException($"Tenant '{tenantId}' has no document '{documentId}'.");
            }
        }

        await DeleteContentAsync(connection, transaction, tenantId, documentId, cancellationToken);
        await using (var pageCopy = await connection.BeginBinaryImportAsync(
            "COPY pages (tenant_id, document_id, number, text) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var page in pages)
            {
                await pageCopy.StartRowAsync(cancellationToken);
                await pageCopy.WriteAsync(tenantId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await pageCopy.WriteAsync(documentId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await pageCopy.WriteAsync(page.Number, NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
                await pageCopy.WriteAsync(page.Text, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            }

            await pageCopy.CompleteAsync(cancellationToken);
        }

        await using (var chunkCopy = await connection.BeginBinaryImportAsync(
            $"COPY chunks ({ChunkColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var chunk in chunks)
            {
                await chunkCopy.StartRowAsync(cancellationToken);
                await chunkCopy.WriteAsync(tenantId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await chunkCopy.WriteAsync(chunk.Id, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await chunkCopy.WriteAsync(documentId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await chunkCopy.WriteAsync(chunk.Ordinal, NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
                await chunkCopy.WriteAsync(chunk.Text, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await chunkCopy.WriteAsync(chunk.TokenCount, NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
                await chunkCopy.WriteAsync(JsonSerializer.Serialize(chunk.Pages.ToArray(), PostgresJsonContext.Default.Int32Array), NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await chunkCopy.WriteAsync(chunk.HeadingPath, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
                await chunkCopy.WriteAsync(
                    JsonSerializer.Serialize(chunk.Spans.Select(span => new[] { span.Page, span.Start, span.End }).ToArray(), PostgresJsonContext.Default.Int32ArrayArray),
                    NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            }

            await chunkCopy.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ClearContentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DeleteContentAsync(connection, transaction, tenantId, documentId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Chunk>> GetChunksAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {ChunkColumns} FROM chunks WHERE tenant_id = @tenant AND document_id = @document ORDER BY ordinal")
            .With("tenant", tenantId).With("document", documentId);
        return await ReadChunksAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Chunk>> GetChunksByIdAsync(string tenantId, IReadOnlyList<string> chunkIds, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (chunkIds.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {ChunkColumns} FROM chunks WHERE tenant_id = @tenant AND id = ANY(@ids)")
            .With("tenant", tenantId).With("ids", chunkIds.Where(id => id is not null).ToArray());
        var found = (await ReadChunksAsync(command, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        return [.. chunkIds.Where(id => id is not null && found.ContainsKey(id)).Select(id => found[id])];
    }

    public async Task<DocumentPage?> GetPageAsync(string tenantId, string documentId, int pageNumber, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT text FROM pages WHERE tenant_id = @tenant AND document_id = @document AND number = @number")
            .With("tenant", tenantId).With("document", documentId).With("number", pageNumber);
        return await command.ExecuteScalarAsync(cancellationToken) is string text ? new DocumentPage(documentId, tenantId, pageNumber, text) : null;
    }

    public async Task<bool> DeleteAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        await using var connection = await database.OpenAsync(cancellationToken);
        // Pages and chunks go with the document (ON DELETE CASCADE), in the same statement.
        await using var command = connection.Command("DELETE FROM documents WHERE tenant_id = @tenant AND id = @id")
            .With("tenant", tenantId).With("id", documentId);
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return false;
        }

        await NotifyAsync(connection, DocumentChange.Deleted, tenantId, documentId, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<Document>> ListUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {DocumentColumns} FROM documents WHERE status IN ('Pending', 'Processing') ORDER BY created_at, tenant_id, id");
        return await ReadDocumentsAsync(command, cancellationToken);
    }

    public async Task<bool> UpdateEmbeddingAsync(
        string tenantId, string documentId, int attempt, string model, int embeddedChunks, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(documentId);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddedChunks);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE documents SET embedded_chunks = @embedded_chunks, embedding_model = @embedding_model, updated_at = @updated_at " +
            "WHERE tenant_id = @tenant AND id = @id AND status = 'Ready' AND attempts = @attempts")
            .With("tenant", tenantId).With("id", documentId).With("attempts", attempt).With("embedded_chunks", embeddedChunks)
            .With("embedding_model", model).With("updated_at", updatedAt.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<Document>> ListAwaitingEmbeddingAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {DocumentColumns} FROM documents WHERE status = 'Ready' " +
            "AND (embedding_model IS NULL OR embedding_model <> @model OR embedded_chunks < chunk_count) ORDER BY ready_at, tenant_id, id")
            .With("model", model);
        return await ReadDocumentsAsync(command, cancellationToken);
    }

    /// <summary>Tells the other replicas (<see cref="PostgresReplicaIndexer"/>) that a document became ready or was deleted.</summary>
    private async Task NotifyAsync(NpgsqlConnection connection, DocumentChange change, string tenantId, string documentId, CancellationToken cancellationToken)
    {
        await using var notify = connection.Command("SELECT pg_notify(@channel, @payload)")
            .With("channel", PostgresReplicaIndexer.Channel)
            .With("payload", PostgresReplicaIndexer.Payload(database.InstanceId, change, tenantId, documentId));
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Document?> ReadOneAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string condition, string tenantId, string value, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT {DocumentColumns} FROM documents WHERE tenant_id = @tenant AND {condition}", transaction)
            .With("tenant", tenantId).With("id", value);
        var documents = await ReadDocumentsAsync(command, cancellationToken);
        return documents.Count == 0 ? null : documents[0];
    }

    private static async Task DeleteContentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, string documentId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            "DELETE FROM pages WHERE tenant_id = @tenant AND document_id = @document; " +
            "DELETE FROM chunks WHERE tenant_id = @tenant AND document_id = @document", transaction)
            .With("tenant", tenantId).With("document", documentId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void WithState(NpgsqlCommand command, Document document) =>
        command
            .With("status", document.Status.ToString())
            .With("stage", document.Stage.ToString())
            .With("progress", document.Progress)
            .With("progress_message", document.ProgressMessage)
            .With("page_count", document.PageCount)
            .With("chunk_count", document.ChunkCount)
            .With("error", document.Error)
            .With("warnings", JsonSerializer.Serialize(document.Warnings.ToArray(), PostgresJsonContext.Default.StringArray))
            .With("metadata", JsonSerializer.Serialize(document.Metadata, PostgresJsonContext.Default.DocumentMetadata))
            .With("attempts", document.Attempts)
            .With("updated_at", document.UpdatedAt.UtcTicks)
            .With("ready_at", document.ReadyAt?.UtcTicks)
            .With("embedded_chunks", document.EmbeddedChunks)
            .With("embedding_model", document.EmbeddingModel);

    private static async Task<List<Document>> ReadDocumentsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var documents = new List<Document>();
        while (await row.ReadAsync(cancellationToken))
        {
            documents.Add(new Document
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
                Warnings = ParseJson(row, 13, PostgresJsonContext.Default.StringArray),
                Metadata = ParseJson(row, 14, PostgresJsonContext.Default.DocumentMetadata),
                StoredPath = row.GetString(15),
                Attempts = row.GetInt32(16),
                CreatedAt = PostgresCommands.Utc(row.GetInt64(17)),
                UpdatedAt = PostgresCommands.Utc(row.GetInt64(18)),
                ReadyAt = row.GetNullableInt64(19) is { } readyAt ? PostgresCommands.Utc(readyAt) : null,
                EmbeddedChunks = row.GetInt32(20),
                EmbeddingModel = row.GetNullableString(21),
            });
        }

        return documents;
    }

    private static async Task<List<Chunk>> ReadChunksAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var chunks = new List<Chunk>();
        while (await row.ReadAsync(cancellationToken))
        {
            chunks.Add(new Chunk
            {
                TenantId = row.GetString(0),
                Id = row.GetString(1),
                DocumentId = row.GetString(2),
                Ordinal = row.GetInt32(3),
                Text = row.GetString(4),
                TokenCount = row.GetInt32(5),
                Pages = ParseJson(row, 6, PostgresJsonContext.Default.Int32Array),
                HeadingPath = row.GetString(7),
                Spans = [.. ParseJson(row, 8, PostgresJsonContext.Default.Int32ArrayArray).Select(ToSpan)],
            });
        }

        return chunks;
    }

    private static SourceSpan ToSpan(int[] span) =>
        span.Length == 3 ? new SourceSpan(span[0], span[1], span[2]) : throw new InvalidDataException($"A stored chunk span has {span.Length} numbers; expected [page, start, end].");

    private static TEnum ParseEnum<TEnum>(NpgsqlDataReader row, int column)
        where TEnum : struct, Enum
    {
        var text = row.GetString(column);
        return Enum.TryParse<TEnum>(text, ignoreCase: false, out var value) && Enum.IsDefined(value)
            ? value
            : throw new InvalidDataException($"Column '{row.GetName(column)}' holds '{text}', which is not a {typeof(TEnum).Name}.");
    }

    private static T ParseJson<T>(NpgsqlDataReader row, int column, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(row.GetString(column), type)
                ?? throw new InvalidDataException($"Column '{row.GetName(column)}' holds JSON null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Column '{row.GetName(column)}' holds invalid JSON: {ex.Message}", ex);
        }
    }

    private static void ValidateDocument(Document document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Tenancy.ThrowIfInvalid(document.TenantId);
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
