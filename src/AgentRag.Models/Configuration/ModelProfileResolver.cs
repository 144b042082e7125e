using System.Globalization;

namespace AgentRag.Models.Configuration;

/// <summary>
/// Turns <see cref="ModelsOptions"/> into <see cref="ModelProfile"/>s, applying defaults, and lists every problem
/// with the name of the setting (or environment variable) to fix. Pure apart from reading API key files.
/// </summary>
internal static class ModelProfileResolver
{
    public const string OpenAiEndpoint = "https://api.openai.com/v1";

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    public static (IReadOnlyList<ModelProfile> Profiles, IReadOnlyList<string> Errors) Resolve(ModelsOptions options, EmbeddingsOptions? embeddings = null)
    {
        var (profiles, errors) = ResolveConfigured(options);
        var list = profiles.ToList();
        var errorList = errors.ToList();
        ApplyEmbeddingProvider(list, options, embeddings ?? new EmbeddingsOptions(), errorList);
        return (list, errorList);
    }

    /// <summary>
    /// The <c>embedding</c> profile <see cref="EmbeddingsOptions.Provider"/> asks for: the configured remote one
    /// (<c>openai</c>), an in-process model's (<c>local</c>), or none. Unset means <c>openai</c> when a remote embedding
    /// model is configured and <c>local</c> otherwise.
    /// </summary>
    private static void ApplyEmbeddingProvider(List<ModelProfile> profiles, ModelsOptions options, EmbeddingsOptions embeddings, List<string> errors)
    {
        var section = EmbeddingsOptions.SectionName;
        var remote = profiles.FindIndex(p => p.Name.Equals(ModelProfileNames.Embedding, StringComparison.OrdinalIgnoreCase));
        var provider = string.IsNullOrWhiteSpace(embeddings.Provider)
            ? (remote >= 0 ? EmbeddingProviders.OpenAi : EmbeddingProviders.Local)
            : embeddings.Provider.Trim().ToLowerInvariant();
        switch (provider)
        {
            case EmbeddingProviders.OpenAi:
                if (remote < 0)
                {
                    errors.Add($"{section}:Provider is 'openai' but no embedding model is configured: set AGENTRAG_EMBEDDING_MODEL or "
                        + $"{Describe(options, $"{ModelsOptions.SectionName}:Profiles:{ModelProfileNames.Embedding}:Model")} (and OPENAI_BASE_URL), or use 'local'.");
                }

                return;
            case EmbeddingProviders.None:
                if (remote >= 0)
                {
                    profiles.RemoveAt(remote);
                }

                return;
            case EmbeddingProviders.Local:
                if (LocalEmbeddingModel.Find(embeddings.LocalModel) is not { } model)
                {
                    errors.Add($"{section}:LocalModel '{embeddings.LocalModel}' is not a local model: use one of {string.Join(", ", LocalEmbeddingModel.All.Select(m => m.Key))}.");
                    return;
                }

                if (embeddings.BatchSize is < 1 or > 256)
                {
                    errors.Add($"{section}:BatchSize '{embeddings.BatchSize}' must be between 1 and 256.");
                    return;
                }

                var local = ModelProfile.ForLocal(model, embeddings.BatchSize);
                if (remote >= 0)
                {
                    profiles[remote] = local;
                }
                else
                {
                    // Keep the well-known order: the embedding profile sits before rerank and the custom names.
                    var before = profiles.FindIndex(p => p.Name.Equals(ModelProfileNames.Rerank, StringComparison.OrdinalIgnoreCase)
                        || !ModelProfileNames.All.Contains(p.Name, StringComparer.OrdinalIgnoreCase));
                    profiles.Insert(before < 0 ? profiles.Count : before, local);
                }

                return;
            default:
                errors.Add($"{section}:Provider '{embeddings.Provider}' is not a provider: use one of {string.Join(", ", EmbeddingsOptions.Providers)}.");
                return;
        }
    }

    private static (IReadOnlyList<ModelProfile> Profiles, IReadOnlyList<string> Errors) ResolveConfigured(ModelsOptions options)
    {
        var profiles = new List<ModelProfile>();
        var errors = new List<string>();
        var section = ModelsOptions.SectionName;
        var defaultsConfigured = !string.IsNullOrWhiteSpace(options.Endpoint)
            || !string.IsNullOrWhiteSpace(options.ApiKey)
            || !string.IsNullOrWhiteSpace(options.ApiKeyFile);

        var defaultKey = ReadKey(options.ApiKey, options.ApiKeyFile, $"{section}:ApiKeyFile", options, errors);
        var names = ModelProfileNames.All
            .Concat(options.Profiles.Keys.Where(k => !ModelProfileNames.All.Contains(k, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
            .ToList();

        foreach (var name in names)
        {
            var path = $"{section}:Profiles:{name}";
            var profile = options.Profiles.GetValueOrDefault(name);
            var model = profile?.Model;
            if (string.IsNullOrWhiteSpace(model) && name == ModelProfileNames.Primary && defaultsConfigured)
            {
                model = options.DefaultChatModel;
            }

            if (string.IsNullOrWhiteSpace(model))
            {
                if (profile is not null && HasAnySetting(profile))
                {
                    errors.Add($"{Describe(options, path + ":Model")} is required: the profile '{name}' has other settings but no model id.");
                }

                continue;
            }

            model = model.Trim();
            var endpointSetting = !string.IsNullOrWhiteSpace(profile?.Endpoint) ? path + ":Endpoint"
                : !string.IsNullOrWhiteSpace(options.Endpoint) ? section + ":Endpoint"
                : null;
            var endpointText = (profile?.Endpoint ?? options.Endpoint)?.Trim();
            if (string.IsNullOrEmpty(endpointText))
            {
                endpointText = OpenAiEndpoint;
            }

            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https") || string.IsNullOrEmpty(endpoint.Host))
            {
                errors.Add($"{Describe(options, endpointSetting ?? path + ":Endpoint")} '{endpointText}' is not an absolute http(s) URL (e.g. http://localhost:11434/v1).");
                continue;
            }

            var apiKey = ReadKey(profile?.ApiKey, profile?.ApiKeyFile, path + ":ApiKeyFile", options, errors) ?? defaultKey;
            var header = (profile?.ApiKeyHeader ?? options.ApiKeyHeader)?.Trim();
            if (header is null && IsAzureHost(endpoint))
            {
                header = "api-key";
            }

            if (string.IsNullOrEmpty(apiKey) && RequiresKey(endpoint))
            {
                errors.Add($"{path}:ApiKey is required for profile '{name}' at {endpoint}: set OPENAI_API_KEY, {section}:ApiKey, {path}:ApiKey or {path}:ApiKeyFile.");
                continue;
            }

            var timeout = profile?.Timeout ?? (name == ModelProfileNames.Embedding ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(60));
            if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
            {
                errors.Add($"{path}:Timeout '{timeout}' must be greater than 0 and at most {MaxTimeout}.");
                continue;
            }

            var known = KnownModelPrices.Find(model) ?? ModelPrices.Free;
            var input = profile?.InputPricePer1M ?? known.InputPer1M;
            var prices = new ModelPrices(
                input,
                profile?.OutputPricePer1M ?? known.OutputPer1M,
                profile?.CachedInputPricePer1M ?? (profile?.InputPricePer1M is not null ? input : known.CachedInputPer1M));
            if (prices.InputPer1M < 0 || prices.OutputPer1M < 0 || prices.CachedInputPer1M < 0)
            {
                errors.Add($"{path}: prices (InputPricePer1M, OutputPricePer1M, CachedInputPricePer1M) must not be negative.");
                continue;
            }

            var maxOutput = profile?.MaxOutputTokens ?? 1024;
            var batch = profile?.EmbeddingBatchSize ?? 32;
            if (maxOutput is < 1 or > 1_000_000)
            {
                errors.Add($"{path}:MaxOutputTokens '{maxOutput}' must be between 1 and 1000000.");
                continue;
            }

            if (batch is < 1 or > 2048)
            {
                errors.Add($"{path}:EmbeddingBatchSize '{batch}' must be between 1 and 2048.");
                continue;
            }

            if (profile?.EmbeddingDimensions is < 1)
            {
                errors.Add($"{path}:EmbeddingDimensions '{profile.EmbeddingDimensions}' must be at least 1.");
                continue;
            }

            profiles.Add(new ModelProfile(name, endpoint, model, apiKey, string.IsNullOrEmpty(header) ? null : header, timeout, prices,
                maxOutput, batch, profile?.EmbeddingDimensions));
        }

        return (profiles, errors);
    }

    /// <summary>The setting's path, prefixed with the environment variable it came from when it was a shortcut.</summary>
    public static string Describe(ModelsOptions options, string settingPath) =>
        options.ShortcutSources.TryGetValue(settingPath, out var variable) ? $"{variable} ({settingPath})" : settingPath;

    private static string? ReadKey(string? key, string? file, string fileSetting, ModelsOptions options, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(key))
        {
            return key.Trim();
        }

        if (string.IsNullOrWhiteSpace(file))
        {
            return null;
        }

        try
        {
            var first = File.ReadLines(file).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(first))
            {
                errors.Add($"{Describe(options, fileSetting)}: the file '{file}' is empty; its first line must be the API key.");
                return null;
            }

            return first;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"{Describe(options, fileSetting)}: cannot read the API key file '{file}': {ex.Message}");
            return null;
        }
    }

    private static bool HasAnySetting(ModelProfileOptions p) =>
        p.Endpoint is not null || p.ApiKey is not null || p.ApiKeyFile is not null || p.ApiKeyHeader is not null || p.Timeout is not null
        || p.InputPricePer1M is not null || p.OutputPricePer1M is not null || p.CachedInputPricePer1M is not null
        || p.MaxOutputTokens is not null || p.EmbeddingBatchSize is not null || p.EmbeddingDimensions is not null;

    private static bool IsAzureHost(Uri endpoint) =>
        endpoint.Host.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase)
        || endpoint.Host.EndsWith(".services.ai.azure.com", StringComparison.OrdinalIgnoreCase)
        || endpoint.Host.EndsWith(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase);

    /// <summary>Hosted APIs always need a key; self-hosted servers (Ollama, vLLM, llama.cpp) usually don't.</summary>
    private static bool RequiresKey(Uri endpoint) =>
        endpoint.Host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase) || IsAzureHost(endpoint);

    internal static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
