namespace AgentRag.Core.Documents;

/// <summary>An uploaded file and the state of its ingestion.</summary>
public sealed record Document
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string FileName { get; init; }
    /// <summary>MIME type detected from the file's content.</summary>
    public required string ContentType { get; init; }
    public required long SizeBytes { get; init; }
    /// <summary>Lower-case hex SHA-256 of the original bytes; identical content in a tenant is one document.</summary>
    public required string Sha256 { get; init; }
    public DocumentStatus Status { get; init; } = DocumentStatus.Pending;
    public IngestionStage Stage { get; init; } = IngestionStage.Pending;
    /// <summary>0–100 within the whole ingestion.</summary>
    public int Progress { get; init; }
    /// <summary>Human-readable progress, e.g. "Extracting page 23/113".</summary>
    public string? ProgressMessage { get; init; }
    public int PageCount { get; init; }
    public int ChunkCount { get; init; }
    /// <summary>
    /// How many of the chunks have a vector of <see cref="EmbeddingModel"/>. Embedding follows <c>ready</c> in the
    /// background: a ready document is keyword-searchable at once and semantically searchable once this reaches
    /// <see cref="ChunkCount"/> ("ready · semantic 120/227").
    /// </summary>
    public int EmbeddedChunks { get; init; }
    /// <summary>The embedding model of the document's vectors (or of the embedding in progress); null before any.</summary>
    public string? EmbeddingModel { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public DocumentMetadata Metadata { get; init; } = new();
    /// <summary>Path of the stored original, relative to the data folder.</summary>
    public required string StoredPath { get; init; }
    /// <summary>How many times ingestion has been (re)started for this document.</summary>
    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ReadyAt { get; init; }

    /// <summary>
    /// True when retention has deleted (or is due to delete) the original (<c>AgentRag:Retention:OriginalFileDays</c>): the
    /// document stays searchable and citable from its chunks, but cannot be reprocessed or downloaded. Not stored: the API
    /// sets it from the retention settings and the clock.
    /// </summary>
    public bool OriginalExpired { get; init; }

    /// <summary>True when the document is ready and every chunk has a vector of <paramref name="model"/>.</summary>
    public bool IsEmbeddedWith(string model) =>
        Status == DocumentStatus.Ready && string.Equals(EmbeddingModel, model, StringComparison.Ordinal) && EmbeddedChunks >= ChunkCount;
}

/// <summary>Where a document is in its life: only <see cref="Ready"/> documents are visible to retrieval.</summary>
public enum DocumentStatus
{
    Pending,
    Processing,
    Ready,
    Failed,
}

/// <summary>The ingestion pipeline's stages, in order.</summary>
public enum IngestionStage
{
    Pending,
    Extracting,
    Chunking,
    Embedding,
    Indexing,
    Ready,
    Failed,
}

/// <summary>Metadata the file itself states; each field is null when the file does not say.</summary>
public sealed record DocumentMetadata
{
    public string? Title { get; init; }
    public string? Author { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? Language { get; init; }
}
