using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Configuration;

/// <summary>
/// Binds <see cref="ModelsOptions"/> from <c>AgentRag:Models</c>, then fills what is still unset from the ecosystem's
/// environment variables (read through <see cref="IConfiguration"/>, so tests can supply them in memory).
/// </summary>
internal sealed class ModelsOptionsSetup(IConfiguration? configuration = null) : IConfigureOptions<ModelsOptions>
{
    public const string BaseUrlVariable = "OPENAI_BASE_URL";
    public const string ApiKeyVariable = "OPENAI_API_KEY";
    public const string ChatModelVariable = "AGENTRAG_CHAT_MODEL";
    public const string FallbackModelVariable = "AGENTRAG_FALLBACK_MODEL";
    public const string CheapModelVariable = "AGENTRAG_CHEAP_MODEL";
    public const string EmbeddingModelVariable = "AGENTRAG_EMBEDDING_MODEL";

    public void Configure(ModelsOptions options)
    {
        if (configuration is null)
        {
            return;
        }

        configuration.GetSection(ModelsOptions.SectionName).Bind(options);
        var section = ModelsOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.Endpoint) && Read(BaseUrlVariable) is { } baseUrl)
        {
            options.Endpoint = baseUrl;
            options.ShortcutSources[section + ":Endpoint"] = BaseUrlVariable;
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey) && string.IsNullOrWhiteSpace(options.ApiKeyFile) && Read(ApiKeyVariable) is { } key)
        {
            options.ApiKey = key;
            options.ShortcutSources[section + ":ApiKey"] = ApiKeyVariable;
        }

        SetModel(options, ModelProfileNames.Primary, ChatModelVariable);
        SetModel(options, ModelProfileNames.Fallback, FallbackModelVariable);
        SetModel(options, ModelProfileNames.Cheap, CheapModelVariable);
        SetModel(options, ModelProfileNames.Embedding, EmbeddingModelVariable);
    }

    private void SetModel(ModelsOptions options, string profileName, string variable)
    {
        if (Read(variable) is not { } model)
        {
            return;
        }

        if (!options.Profiles.TryGetValue(profileName, out var profile))
        {
            profile = new ModelProfileOptions();
            options.Profiles[profileName] = profile;
        }

        if (string.IsNullOrWhiteSpace(profile.Model))
        {
            profile.Model = model;
            options.ShortcutSources[$"{ModelsOptions.SectionName}:Profiles:{profileName}:Model"] = variable;
        }
    }

    private string? Read(string key) => configuration![key] is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
