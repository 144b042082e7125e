using System.ComponentModel.DataAnnotations;

namespace AgentRag.Models.Configuration;

/// <summary>
/// Which embedding provider dense retrieval uses (configuration section <c>AgentRag:Embeddings</c>). By default an
/// in-process model (<see cref="LocalEmbeddingModel"/>) embeds offline, unless a remote embedding model is configured
/// (<c>AGENTRAG_EMBEDDING_MODEL</c> or <c>AgentRag:Models:Profiles:embedding:Model</c>), which then wins.
/// </summary>
public sealed class EmbeddingsOptions
{
    public const string SectionName = "AgentRag:Embeddings";

    /// <summary>Accepted values of <see cref="Provider"/>.</summary>
    public static IReadOnlyList<string> Providers { get; } = [EmbeddingProviders.Local, EmbeddingProviders.OpenAi, EmbeddingProviders.None];

    /// <summary>
    /// <c>local</c> (an ONNX model in this process, offline), <c>openai</c> (the <c>embedding</c> model profile's
    /// OpenAI-compatible endpoint) or <c>none</c> (keyword search only). Unset: <c>openai</c> when an embedding model
    /// profile is configured, else <c>local</c>.
    /// </summary>
    public string? Provider { get; set; }

    /// <summary>The in-process model when <see cref="Provider"/> is <c>local</c>: a <see cref="LocalEmbeddingModel.Key"/> (<c>minilm</c>, <c>arctic-xs</c>).</summary>
    public string LocalModel { get; set; } = LocalEmbeddingModel.Default.Key;

    /// <summary>Threads of the one shared inference session; 0 uses every core (at most 8).</summary>
    [Range(0, 64)]
    public int Threads { get; set; }

    /// <summary>Texts per inference run of the local model (texts are sorted by length first, so a batch pads little).</summary>
    [Range(1, 256)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Load the local model when the host starts (off the request path), so the first search does not wait for it.</summary>
    public bool WarmUp { get; set; } = true;

    /// <summary>
    /// Where <c>agentrag eval</c> keeps the embeddings of evaluation datasets' corpora and queries (an SQLite embedding
    /// cache keyed by model, dataset name and corpus hash), outside any data folder so that they outlive the throwaway
    /// folder an evaluation runs in. Unset: <see cref="DefaultDatasetCacheDirectory"/>.
    /// </summary>
    public string? DatasetCacheDirectory { get; set; }

    /// <summary>
    /// <c>$XDG_CACHE_HOME/agentrag</c> when that variable holds an absolute path, else <c>~/.cache/agentrag</c>; null
    /// when the user has no home folder either.
    /// </summary>
    public static string? DefaultDatasetCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg, "agentrag");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "agentrag");
    }
}

/// <summary>The values of <see cref="EmbeddingsOptions.Provider"/>.</summary>
public static class EmbeddingProviders
{
    public const string Local = "local";
    public const string OpenAi = "openai";
    public const string None = "none";
}

/// <summary>
/// An in-process sentence-embedding model shipped as a NuGet package (ONNX inside, run by ONNX Runtime), and how its
/// documentation says to use it. The adapter that runs it is <c>AgentRag.Models.Local</c>.
/// </summary>
/// <param name="Key">The <see cref="EmbeddingsOptions.LocalModel"/> value.</param>
/// <param name="ModelId">The model's published id: recorded with every vector and part of every cache key.</param>
/// <param name="QueryPrefix">Put before a search query (never before a passage) before it is embedded.</param>
/// <param name="MaxWordPieces">Word pieces the model sees, [CLS] and [SEP] included; the rest of a longer text is cut off.</param>
/// <param name="Dimensions">Length of every vector.</param>
public sealed record LocalEmbeddingModel(string Key, string ModelId, string QueryPrefix, int MaxWordPieces, int Dimensions)
{
    /// <summary>
    /// The service key of the in-process generator (an <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>
    /// keyed singleton the adapter registers, <c>AddLocalEmbeddings</c>); the model layer wraps it in its decorators.
    /// </summary>
    public const string GeneratorServiceKey = "AgentRag.Models.Local";

    /// <summary>sentence-transformers/all-MiniLM-L6-v2: mean pooling, no prefix.</summary>
    public static LocalEmbeddingModel MiniLm { get; } = new("minilm", "sentence-transformers/all-MiniLM-L6-v2", "", 512, 384);

    /// <summary>Snowflake/snowflake-arctic-embed-xs: CLS pooling; queries carry the instruction its model card gives.</summary>
    public static LocalEmbeddingModel ArcticXs { get; } =
        new("arctic-xs", "Snowflake/snowflake-arctic-embed-xs", "Represent this sentence for searching relevant passages: ", 512, 384);

    /// <summary>The model used when <see cref="EmbeddingsOptions.LocalModel"/> is not set (chosen in ADR 0026).</summary>
    public static LocalEmbeddingModel Default => MiniLm;

    public static IReadOnlyList<LocalEmbeddingModel> All { get; } = [MiniLm, ArcticXs];

    /// <summary>The model with this key or id (case-insensitive), or null.</summary>
    public static LocalEmbeddingModel? Find(string? keyOrId) =>
        All.FirstOrDefault(m => m.Key.Equals(keyOrId?.Trim(), StringComparison.OrdinalIgnoreCase)
            || m.ModelId.Equals(keyOrId?.Trim(), StringComparison.OrdinalIgnoreCase));
}
