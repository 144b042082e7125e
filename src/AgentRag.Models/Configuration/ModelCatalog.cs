using Microsoft.Extensions.Options;

namespace AgentRag.Models.Configuration;

/// <summary>
/// The configured model profiles, and the one place callers ask what is available: "is a chat model configured?"
/// (<see cref="IsChatAvailable"/>) decides between model-backed and extractive (model-free) answers.
/// Immutable and thread-safe.
/// </summary>
public sealed class ModelCatalog
{
    private readonly Dictionary<string, ModelProfile> _profiles;

    public ModelCatalog(IOptions<ModelsOptions> options, IOptions<EmbeddingsOptions>? embeddings = null)
        : this(Resolve(options.Value, embeddings?.Value))
    {
    }

    private ModelCatalog(IReadOnlyList<ModelProfile> profiles)
    {
        Profiles = profiles;
        _profiles = profiles.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every configured profile: the well-known ones first, in <see cref="ModelProfileNames.All"/> order.</summary>
    public IReadOnlyList<ModelProfile> Profiles { get; }

    /// <summary>True when the <c>primary</c> chat profile is configured; false means the product runs model-free.</summary>
    public bool IsChatAvailable => _profiles.ContainsKey(ModelProfileNames.Primary);

    /// <summary>True when an <c>embedding</c> profile exists, remote or in process (dense retrieval is possible); false with <c>AgentRag:Embeddings:Provider</c> <c>none</c>.</summary>
    public bool IsEmbeddingAvailable => _profiles.ContainsKey(ModelProfileNames.Embedding);

    /// <summary>Why chat is unavailable, phrased as what to set; null when it is available.</summary>
    public string? ChatUnavailableReason => IsChatAvailable
        ? null
        : $"No chat model is configured: set OPENAI_BASE_URL (and OPENAI_API_KEY when the server needs one), AGENTRAG_CHAT_MODEL, or {ModelsOptions.SectionName}:Profiles:{ModelProfileNames.Primary}:Model.";

    public bool IsConfigured(string profileName) => _profiles.ContainsKey(profileName);

    public bool TryGet(string profileName, out ModelProfile profile) => _profiles.TryGetValue(profileName, out profile!);

    /// <summary>Returns the profile or throws <see cref="ModelUnavailableException"/> naming the setting that configures it.</summary>
    public ModelProfile Get(string profileName) =>
        _profiles.TryGetValue(profileName, out var profile)
            ? profile
            : throw new ModelUnavailableException(profileName,
                profileName.Equals(ModelProfileNames.Primary, StringComparison.OrdinalIgnoreCase)
                    ? ChatUnavailableReason!
                    : $"The model profile '{profileName}' is not configured: set {ModelsOptions.SectionName}:Profiles:{profileName}:Model{ShortcutHint(profileName)}.");

    /// <summary>Builds a catalog from options; throws <see cref="OptionsValidationException"/> listing every invalid setting.</summary>
    public static ModelCatalog Create(ModelsOptions options, EmbeddingsOptions? embeddings = null) => new(Resolve(options, embeddings));

    private static IReadOnlyList<ModelProfile> Resolve(ModelsOptions options, EmbeddingsOptions? embeddings)
    {
        var (profiles, errors) = ModelProfileResolver.Resolve(options, embeddings);
        return errors.Count == 0 ? profiles : throw new OptionsValidationException(Options.DefaultName, typeof(ModelsOptions), errors);
    }

    private static string ShortcutHint(string profileName) => profileName.ToLowerInvariant() switch
    {
        ModelProfileNames.Fallback => " or AGENTRAG_FALLBACK_MODEL",
        ModelProfileNames.Cheap => " or AGENTRAG_CHEAP_MODEL",
        ModelProfileNames.Embedding => $" or AGENTRAG_EMBEDDING_MODEL, or {EmbeddingsOptions.SectionName}:Provider to local",
        _ => "",
    };
}
