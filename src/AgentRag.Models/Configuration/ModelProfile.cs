namespace AgentRag.Models.Configuration;

/// <summary>
/// A configured profile with every default applied: where to call, which model, how long to wait and what it costs.
/// Immutable and thread-safe. <see cref="ToString"/> never includes the API key.
/// </summary>
public sealed class ModelProfile
{
    internal ModelProfile(
        string name, Uri endpoint, string model, string? apiKey, string? apiKeyHeader, TimeSpan timeout, ModelPrices prices,
        int maxOutputTokens, int embeddingBatchSize, int? embeddingDimensions)
    {
        Name = name;
        Endpoint = endpoint;
        Model = model;
        ApiKey = apiKey;
        ApiKeyHeader = apiKeyHeader;
        Timeout = timeout;
        Prices = prices;
        MaxOutputTokens = maxOutputTokens;
        EmbeddingBatchSize = embeddingBatchSize;
        EmbeddingDimensions = embeddingDimensions;
    }

    public string Name { get; }

    public Uri Endpoint { get; }

    public string Model { get; }

    /// <summary>The configuration path of this profile, for error messages (<c>AgentRag:Models:Profiles:primary</c>).</summary>
    public string SettingPath => $"{ModelsOptions.SectionName}:Profiles:{Name}";

    public TimeSpan Timeout { get; }

    public ModelPrices Prices { get; }

    public int MaxOutputTokens { get; }

    public int EmbeddingBatchSize { get; }

    public int? EmbeddingDimensions { get; }

    public bool HasApiKey => !string.IsNullOrEmpty(ApiKey);

    /// <summary>The secret; only the provider adapter reads it.</summary>
    internal string? ApiKey { get; }

    /// <summary>Null for <c>Authorization: Bearer</c>, else the header name (e.g. <c>api-key</c>).</summary>
    internal string? ApiKeyHeader { get; }

    public override string ToString() => $"{Name} ({Model} at {Endpoint})";
}
