using System.ComponentModel.DataAnnotations;

namespace AgentRag.Retrieval.Dense;

/// <summary>
/// Dense retrieval settings (section <c>AgentRag:Retrieval:Dense</c>). The embedding model itself is the model layer's
/// <c>embedding</c> profile (<c>AGENTRAG_EMBEDDING_MODEL</c>, <c>AgentRag:Models:Profiles:embedding</c>).
/// </summary>
public sealed class DenseRetrievalOptions
{
    public const string SectionName = "AgentRag:Retrieval:Dense";

    /// <summary>
    /// Text put before every query before it is embedded, for models trained with instructions (e5: <c>"query: "</c>;
    /// bge: <c>"Represent this sentence for searching relevant passages: "</c>). Unset: the model's documented prefix
    /// (an in-process model's <c>LocalEmbeddingModel.QueryPrefix</c>; none for remote models). Empty: no prefix.
    /// </summary>
    [MaxLength(1000)]
    public string? QueryPrefix { get; set; }

    /// <summary>Text put before every chunk before it is embedded (e5: <c>"passage: "</c>). Changing it needs a reprocess.</summary>
    [MaxLength(1000)]
    public string DocumentPrefix { get; set; } = "";

    /// <summary>Chunks per embeddings request; progress is reported after each. Default: the profile's <c>EmbeddingBatchSize</c> (32).</summary>
    [Range(1, 2048)]
    public int? BatchSize { get; set; }
}
