using AgentRag.Core.Search;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Calls;

/// <summary>
/// The model layer's per-call settings, carried in <see cref="ChatOptions.AdditionalProperties"/> (and
/// <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>) so they pass through every decorator unchanged.
/// The provider adapter never sends them to the provider.
/// </summary>
public static class ModelCallOptions
{
    /// <summary>The profile to call (<see cref="ModelProfileNames"/>); default <c>primary</c>.</summary>
    public const string ProfileKey = "agentrag.profile";

    /// <summary>The <see cref="ModelCallContext"/> of the call.</summary>
    public const string ContextKey = "agentrag.context";

    /// <summary>Warnings on a response or streaming update (a <c>string[]</c>), e.g. "Generated with fallback model".</summary>
    public const string WarningsKey = "agentrag.warnings";

    /// <summary>
    /// On a streaming update: the stream restarted on another profile after a failure, and the text received before this
    /// update must be discarded.
    /// </summary>
    public const string RestartKey = "agentrag.restart";

    /// <summary>On a response or streaming update: the profile that produced it.</summary>
    public const string ServedByProfileKey = "agentrag.served_by";

    /// <summary>On a response: true when it came from the exact-match response cache.</summary>
    public const string CacheHitKey = "agentrag.cache_hit";

    /// <summary>The <see cref="EmbeddingCacheScope"/> an embeddings call's cache entries belong to, when not the context's tenant.</summary>
    public const string CacheScopeKey = "agentrag.cache_scope";

    /// <summary>The warning a fallback answer carries.</summary>
    public const string FallbackWarning = "Generated with fallback model";

    /// <summary>Returns a copy of <paramref name="options"/> (or new options) that calls <paramref name="profile"/>.</summary>
    public static ChatOptions WithProfile(this ChatOptions? options, string profile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(profile);
        var copy = options?.Clone() ?? new ChatOptions();
        (copy.AdditionalProperties ??= [])[ProfileKey] = profile;
        return copy;
    }

    /// <summary>Returns a copy of <paramref name="options"/> (or new options) attributed to <paramref name="context"/>.</summary>
    public static ChatOptions WithContext(this ChatOptions? options, ModelCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var copy = options?.Clone() ?? new ChatOptions();
        (copy.AdditionalProperties ??= [])[ContextKey] = context;
        return copy;
    }

    /// <inheritdoc cref="WithContext(ChatOptions?, ModelCallContext)"/>
    public static EmbeddingGenerationOptions WithContext(this EmbeddingGenerationOptions? options, ModelCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var copy = options?.Clone() ?? new EmbeddingGenerationOptions();
        (copy.AdditionalProperties ??= [])[ContextKey] = context;
        return copy;
    }

    /// <summary>
    /// Returns a copy of <paramref name="options"/> (or new options) whose embeddings are cached under
    /// <paramref name="scope"/> instead of the context's tenant: e.g. an evaluation dataset's corpus
    /// (<see cref="EmbeddingCacheScope.ForDataset"/>), shared across tenants and runs.
    /// </summary>
    public static EmbeddingGenerationOptions WithCacheScope(this EmbeddingGenerationOptions? options, EmbeddingCacheScope scope)
    {
        var copy = options?.Clone() ?? new EmbeddingGenerationOptions();
        (copy.AdditionalProperties ??= [])[CacheScopeKey] = scope;
        return copy;
    }

    /// <summary>The explicit cache scope of an embeddings call (<see cref="WithCacheScope"/>), or null.</summary>
    public static EmbeddingCacheScope? GetCacheScope(this EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(CacheScopeKey, out var value) == true && value is EmbeddingCacheScope { Key: not null } scope ? scope : null;

    /// <summary>The profile the call asks for: the explicit one, else <c>primary</c>.</summary>
    public static string GetProfile(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(ProfileKey, out var value) == true && value is string { Length: > 0 } profile
            ? profile
            : ModelProfileNames.Primary;

    /// <summary>The call's context: the explicit one, else the ambient one, else the default tenant's.</summary>
    public static ModelCallContext GetContext(this ChatOptions? options) =>
        Resolve(options?.AdditionalProperties);

    /// <inheritdoc cref="GetContext(ChatOptions?)"/>
    public static ModelCallContext GetContext(this EmbeddingGenerationOptions? options) =>
        Resolve(options?.AdditionalProperties);

    /// <summary>The warnings on a response (empty when none).</summary>
    public static IReadOnlyList<string> GetWarnings(this ChatResponse response) => Warnings(response.AdditionalProperties);

    /// <summary>The warnings on a streaming update (empty when none).</summary>
    public static IReadOnlyList<string> GetWarnings(this ChatResponseUpdate update) => Warnings(update.AdditionalProperties);

    /// <summary>True when this streaming update says the text before it must be discarded (a restart on another profile).</summary>
    public static bool IsRestart(this ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(RestartKey, out var value) == true && value is true;

    /// <summary>Adds warnings to a response, keeping those already there.</summary>
    public static void AddWarnings(this ChatResponse response, params IEnumerable<string> warnings)
    {
        var merged = Warnings(response.AdditionalProperties).Concat(warnings).Distinct(StringComparer.Ordinal).ToArray();
        if (merged.Length > 0)
        {
            (response.AdditionalProperties ??= [])[WarningsKey] = merged;
        }
    }

    /// <summary>A content-free streaming update that carries warnings (and optionally the restart marker).</summary>
    public static ChatResponseUpdate CreateMarkerUpdate(IReadOnlyList<string> warnings, bool restart = false, string? servedBy = null)
    {
        var update = new ChatResponseUpdate { Role = ChatRole.Assistant, AdditionalProperties = [] };
        update.AdditionalProperties[WarningsKey] = warnings.ToArray();
        if (restart)
        {
            update.AdditionalProperties[RestartKey] = true;
        }

        if (servedBy is not null)
        {
            update.AdditionalProperties[ServedByProfileKey] = servedBy;
        }

        return update;
    }

    private static ModelCallContext Resolve(AdditionalPropertiesDictionary? properties) =>
        properties?.TryGetValue(ContextKey, out var value) == true && value is ModelCallContext explicitContext
            ? explicitContext
            : ModelCallContext.Current ?? new ModelCallContext();

    private static string[] Warnings(AdditionalPropertiesDictionary? properties) =>
        properties?.TryGetValue(WarningsKey, out var value) == true
            ? value switch
            {
                string[] array => array,
                IEnumerable<string> list => list.ToArray(),
                string single => [single],
                _ => [],
            }
            : [];
}
