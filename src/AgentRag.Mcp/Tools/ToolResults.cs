using AgentRag.Core.Documents;

namespace AgentRag.Mcp.Tools;

/// <summary>What the search tools return: the hits best first, which rankers ran, and any degradation.</summary>
public sealed record SearchToolResult(string Query, IReadOnlyList<string> Modes, IReadOnlyList<string> Warnings, IReadOnlyList<SearchToolHit> Hits);

/// <summary>One retrieved passage with where it comes from; <see cref="Uri"/> is its MCP resource.</summary>
public sealed record SearchToolHit(
    int Rank, string ChunkId, string DocumentId, string DocumentName, IReadOnlyList<int> Pages, string HeadingPath, double Score, string Text, string Uri);

/// <summary>The <c>rerank</c> tool's answer: passage indexes (0-based, as given) by descending relevance.</summary>
public sealed record RerankToolResult(string Query, IReadOnlyList<RerankedPassage> Ranking);

public sealed record RerankedPassage(int Index, double Score);

/// <summary>A document as listed: identity, status and size.</summary>
public sealed record DocumentSummary(
    string Id,
    string FileName,
    string ContentType,
    DocumentStatus Status,
    int PageCount,
    int ChunkCount,
    string? Title,
    string? Author,
    string? Language,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadyAt,
    string Uri)
{
    public static DocumentSummary From(Document document) => new(
        document.Id,
        document.FileName,
        document.ContentType,
        document.Status,
        document.PageCount,
        document.ChunkCount,
        document.Metadata.Title,
        document.Metadata.Author,
        document.Metadata.Language,
        document.CreatedAt,
        document.ReadyAt,
        ResourceUris.Document(document.Id));
}

/// <summary>A page of the tenant's documents.</summary>
public sealed record DocumentListResult(IReadOnlyList<DocumentSummary> Documents, int Total, int Offset, int Limit);

/// <summary>A document with its ingestion outcome and the outline of its chunks (no chunk text: use <c>get_chunk</c>).</summary>
public sealed record DocumentDetail(
    DocumentSummary Document, long SizeBytes, string? Error, IReadOnlyList<string> Warnings, IReadOnlyList<ChunkOutline> Chunks);

/// <summary>Where a chunk sits in its document.</summary>
public sealed record ChunkOutline(string Id, int Ordinal, IReadOnlyList<int> Pages, string HeadingPath, int TokenCount);

/// <summary>A chunk's text and provenance.</summary>
public sealed record ChunkDetail(
    string Id,
    string DocumentId,
    string DocumentName,
    int Ordinal,
    IReadOnlyList<int> Pages,
    string HeadingPath,
    int TokenCount,
    string Text,
    string Uri);
