using AgentRag.Core.Documents;
using AgentRag.Core.Storage;

namespace AgentRag.Mcp.Tools;

/// <summary><c>list_documents</c>: pages through the tenant's documents, newest first.</summary>
public sealed class ListDocumentsTool(string tenantId, IDocumentStore store) : BuiltInTool(tenantId, ToolName, Summary, Schema)
{
    public const string ToolName = "list_documents";

    private const string Summary =
        "List the documents in the knowledge base, newest first: id, file name, type, status (pending, processing, ready, failed), "
        + "page and chunk counts, title. Only ready documents are searchable. Use offset and limit to page through a long list.";

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "status": { "type": "string", "enum": ["pending", "processing", "ready", "failed"], "description": "Only documents in this status." },
            "offset": { "type": "integer", "minimum": 0, "default": 0, "description": "Documents to skip." },
            "limit": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20, "description": "Documents to return." }
          },
          "additionalProperties": false
        }
        """;

    private static readonly string[] Statuses = ["pending", "processing", "ready", "failed"];

    protected override async Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        var status = arguments.OptionalChoice("status", Statuses) is { } name ? Enum.Parse<DocumentStatus>(name, ignoreCase: true) : (DocumentStatus?)null;
        var offset = arguments.OptionalInt("offset", 0, 0, int.MaxValue);
        var limit = arguments.OptionalInt("limit", 20, 1, 100);
        var page = await store.ListAsync(TenantId, new DocumentListQuery(status, offset, limit), cancellationToken);
        return new DocumentListResult([.. page.Items.Select(DocumentSummary.From)], page.Total, offset, limit);
    }
}

/// <summary><c>get_document</c>: one document's details and the outline of its chunks.</summary>
public sealed class GetDocumentTool(string tenantId, IDocumentStore store) : BuiltInTool(tenantId, ToolName, Summary, Schema)
{
    public const string ToolName = "get_document";

    private const string Summary =
        "Get one document by id: file name, type, status, pages, metadata, ingestion warnings or error, and the outline of its chunks "
        + "(chunk id, pages, section heading) in reading order. Read a chunk's text with get_chunk.";

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "id": { "type": "string", "minLength": 1, "description": "The document id (doc_…), as returned by search or list_documents." }
          },
          "required": ["id"],
          "additionalProperties": false
        }
        """;

    protected override async Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        var id = arguments.RequiredString("id", 200);
        var document = await store.GetAsync(TenantId, id, cancellationToken)
            ?? throw new ToolException($"No document '{id}' exists in this knowledge base; list_documents shows the ids.", ToolErrorKind.NotFound);
        var chunks = await store.GetChunksAsync(TenantId, id, cancellationToken);
        return new DocumentDetail(
            DocumentSummary.From(document),
            document.SizeBytes,
            document.Error,
            document.Warnings,
            [.. chunks.Select(c => new ChunkOutline(c.Id, c.Ordinal, c.Pages, c.HeadingPath, c.TokenCount))]);
    }
}

/// <summary><c>get_chunk</c>: one chunk's full text and provenance.</summary>
public sealed class GetChunkTool(string tenantId, IDocumentStore store) : BuiltInTool(tenantId, ToolName, Summary, Schema)
{
    public const string ToolName = "get_chunk";

    private const string Summary =
        "Get the full text of one chunk (passage) by id, with its document, pages and section heading. "
        + "Chunk ids come from search results and get_document.";

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "id": { "type": "string", "minLength": 1, "description": "The chunk id (chk_…)." }
          },
          "required": ["id"],
          "additionalProperties": false
        }
        """;

    protected override async Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        var id = arguments.RequiredString("id", 200);
        var chunk = (await store.GetChunksByIdAsync(TenantId, [id], cancellationToken)).FirstOrDefault();
        var document = chunk is null ? null : await store.GetAsync(TenantId, chunk.DocumentId, cancellationToken);
        if (chunk is null || document is null)
        {
            throw new ToolException($"No chunk '{id}' exists in this knowledge base; search results and get_document give chunk ids.", ToolErrorKind.NotFound);
        }

        return new ChunkDetail(
            chunk.Id, document.Id, document.FileName, chunk.Ordinal, chunk.Pages, chunk.HeadingPath, chunk.TokenCount, chunk.Text,
            ResourceUris.Chunk(document.Id, chunk.Id));
    }
}

/// <summary><c>ask</c>: runs the full question-answering workflow and returns its cited answer.</summary>
public sealed class AskTool(string tenantId, IAskService ask) : BuiltInTool(tenantId, ToolName, Summary, Schema)
{
    public const string ToolName = "ask";

    private const string Summary =
        "Ask a question and get a written answer from the knowledge base, with numbered citations [n] to the supporting passages "
        + "(document, pages, quote). Runs the full multi-step workflow (planning, retrieval, synthesis, citation checking), so it is "
        + "slower than search; use search when you want the passages themselves.";

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "question": { "type": "string", "minLength": 1, "maxLength": 2000, "description": "The question, in natural language." }
          },
          "required": ["question"],
          "additionalProperties": false
        }
        """;

    protected override async Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken) =>
        await ask.AskAsync(TenantId, arguments.RequiredString("question", 2000), cancellationToken);
}
