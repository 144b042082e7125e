namespace AgentRag.Models.Configuration;

/// <summary>
/// A configured profile with every default applied: where to call, which model, how long to wait and what it costs.
/// Immutable and thread-safe. <see cref="ToString"/> never includes the API key.
/// </summary>
public sealed class ModelProfile
{
    internal ModelProfile(
        string name, Uri endpoint, string model, string? apiKey, string? apiKeyHeader, TimeSpan timeout, ModelPrices prices,
        int maxOutputTokens, int embeddingBatchSize, int? embeddingDimensions, LocalEmbeddingModel? localModel = null)
    {
        LocalModel = localModel;
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

    /// <summary>The in-process model this profile runs (no endpoint is called), or null for an OpenAI-compatible endpoint.</summary>
    public LocalEmbeddingModel? LocalModel { get; }

    /// <summary>True when the profile runs in this process (<see cref="LocalModel"/>): no network, no cost, no retries.</summary>
    public bool IsLocal => LocalModel is not null;

    /// <summary>What to put before a search query before it is embedded, as the model is documented; empty for remote models.</summary>
    public string QueryPrefix => LocalModel?.QueryPrefix ?? "";

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

    public override string ToString() => IsLocal ? $"{Name} ({Model} in process)" : $"{Name} ({Model} at {Endpoint})";

    /// <summary>The profile of an in-process embedding model: free, no endpoint (<see cref="LocalEndpoint"/>), batches of <paramref name="batchSize"/>.</summary>
    internal static ModelProfile ForLocal(LocalEmbeddingModel model, int batchSize) =>
        new(ModelProfileNames.Embedding, LocalEndpoint, model.ModelId, null, null, TimeSpan.FromMinutes(10), ModelPrices.Free, 1, batchSize, null, model);

    /// <summary>Stands in for the endpoint of an in-process model in messages and logs.</summary>
    public static Uri LocalEndpoint { get; } = new("local://in-process/");
}
