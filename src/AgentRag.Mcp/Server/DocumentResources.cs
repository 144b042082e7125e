using System.Globalization;
using System.Text.Json;
using AgentRag.Core.Documents;
using AgentRag.Core.Serialization;
using AgentRag.Core.Storage;
using AgentRag.Mcp.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRag.Mcp.Server;

/// <summary>
/// The tenant's ready documents as MCP resources. <c>agentrag://documents/{documentId}</c> reads as the document's
/// details (JSON) followed by each chunk's text (one content per chunk, addressed
/// <c>agentrag://documents/{documentId}/chunks/{chunkId}</c>); a chunk address reads as that chunk alone. Unknown,
/// unready or other tenants' records are "resource not found" (-32002). Thread-safe.
/// </summary>
public sealed class DocumentResources(IDocumentStore store)
{
    /// <summary>Documents per <c>resources/list</c> page.</summary>
    public const int PageSize = 100;

    /// <summary>Wires the resource handlers for <paramref name="tenantId"/> into <paramref name="options"/>.</summary>
    public void Configure(McpServerOptions options, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Resources = new ResourcesCapability { Subscribe = false, ListChanged = false };
        options.Handlers.ListResourcesHandler = (request, cancellationToken) => ListAsync(tenantId, request.Params?.Cursor, cancellationToken);
        options.Handlers.ListResourceTemplatesHandler = (_, _) => ValueTask.FromResult(new ListResourceTemplatesResult
        {
            ResourceTemplates =
            [
                new ResourceTemplate
                {
                    Name = "document",
                    UriTemplate = ResourceUris.DocumentTemplate,
                    Description = "A document: its details as JSON, then the text of each chunk in reading order.",
                    MimeType = "application/json",
                },
                new ResourceTemplate
                {
                    Name = "chunk",
                    UriTemplate = ResourceUris.ChunkTemplate,
                    Description = "One chunk (passage) of a document as plain text.",
                    MimeType = "text/plain",
                },
            ],
        });
        options.Handlers.ReadResourceHandler = (request, cancellationToken) => ReadAsync(tenantId, request.Params?.Uri, cancellationToken);
    }

    public async ValueTask<ListResourcesResult> ListAsync(string tenantId, string? cursor, CancellationToken cancellationToken = default)
    {
        var offset = 0;
        if (cursor is not null && (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            throw new McpProtocolException($"Invalid cursor '{cursor}': pass back the nextCursor of the previous page.", McpErrorCode.InvalidParams);
        }

        var page = await store.ListAsync(tenantId, new DocumentListQuery(DocumentStatus.Ready, offset, PageSize), cancellationToken);
        return new ListResourcesResult
        {
            Resources = [.. page.Items.Select(d => new Resource
            {
                Uri = ResourceUris.Document(d.Id),
                Name = d.FileName,
                Title = d.Metadata.Title,
                Description = d.PageCount > 0 ? $"{d.PageCount} pages, {d.ChunkCount} chunks" : $"{d.ChunkCount} chunks",
                MimeType = "application/json",
                Size = d.SizeBytes,
            })],
            NextCursor = offset + page.Items.Count < page.Total ? (offset + page.Items.Count).ToString(CultureInfo.InvariantCulture) : null,
        };
    }

    public async ValueTask<ReadResourceResult> ReadAsync(string tenantId, string? uri, CancellationToken cancellationToken = default)
    {
        if (!ResourceUris.TryParse(uri, out var documentId, out var chunkId))
        {
            throw NotFound(uri, $"use {ResourceUris.DocumentTemplate} or {ResourceUris.ChunkTemplate}");
        }

        var document = await store.GetAsync(tenantId, documentId, cancellationToken);
        if (document is not { Status: DocumentStatus.Ready })
        {
            throw NotFound(uri, "no ready document has that id");
        }

        if (chunkId is not null)
        {
            var chunk = (await store.GetChunksByIdAsync(tenantId, [chunkId], cancellationToken)).FirstOrDefault(c => c.DocumentId == document.Id)
                ?? throw NotFound(uri, "the document has no chunk with that id");
            return new ReadResourceResult { Contents = [ChunkContents(chunk)] };
        }

        var chunks = await store.GetChunksAsync(tenantId, documentId, cancellationToken);
        var detail = new DocumentDetail(
            DocumentSummary.From(document),
            document.SizeBytes,
            document.Error,
            document.Warnings,
            [.. chunks.Select(c => new ChunkOutline(c.Id, c.Ordinal, c.Pages, c.HeadingPath, c.TokenCount))]);
        return new ReadResourceResult
        {
            Contents =
            [
                new TextResourceContents
                {
                    Uri = ResourceUris.Document(document.Id),
                    MimeType = "application/json",
                    Text = JsonSerializer.Serialize(detail, AgentRagJson.Options),
                },
                .. chunks.Select(ChunkContents),
            ],
        };
    }

    private static TextResourceContents ChunkContents(Chunk chunk) => new()
    {
        Uri = ResourceUris.Chunk(chunk.DocumentId, chunk.Id),
        MimeType = "text/plain",
        Text = chunk.Text,
    };

    private static McpProtocolException NotFound(string? uri, string reason) =>
        new($"Resource not found: '{uri}' ({reason}).", McpErrorCode.ResourceNotFound);
}
