using System.ComponentModel.DataAnnotations;
using AgentRag.Models.Budgets;
using AgentRag.Models.Caching;
using AgentRag.Models.Resilience;

namespace AgentRag.Models.Configuration;

/// <summary>
/// Settings of the model layer (configuration section <c>AgentRag:Models</c>). Every property can also be set from the
/// environment in the usual .NET way (<c>AgentRag__Models__Profiles__primary__Model</c>), and the ecosystem's variables
/// work as shortcuts: <c>OPENAI_BASE_URL</c>, <c>OPENAI_API_KEY</c>, <c>AGENTRAG_CHAT_MODEL</c>,
/// <c>AGENTRAG_FALLBACK_MODEL</c>, <c>AGENTRAG_CHEAP_MODEL</c>, <c>AGENTRAG_EMBEDDING_MODEL</c>. Explicit settings win
/// over shortcuts. With no model configured the product runs model-free (see <see cref="ModelCatalog.IsChatAvailable"/>).
/// </summary>
public sealed class ModelsOptions
{
    public const string SectionName = "AgentRag:Models";

    /// <summary>The endpoint of every profile that names none (shortcut <c>OPENAI_BASE_URL</c>), e.g. <c>http://localhost:11434/v1</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The API key of every profile that names none (shortcut <c>OPENAI_API_KEY</c>). Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A file holding the default API key (first line), e.g. a mounted secret.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>
    /// The header that carries the API key: empty for <c>Authorization: Bearer</c>, <c>api-key</c> for Azure OpenAI.
    /// When unset, Azure OpenAI hosts (<c>*.openai.azure.com</c>, <c>*.services.ai.azure.com</c>) get <c>api-key</c>.
    /// </summary>
    public string? ApiKeyHeader { get; set; }

    /// <summary>The model of <c>primary</c> when an endpoint or API key is configured but no chat model is named.</summary>
    [Required]
    public string DefaultChatModel { get; set; } = "gpt-4o-mini";

    /// <summary>Named profiles: <c>primary</c>, <c>fallback</c>, <c>cheap</c>, <c>embedding</c>, <c>rerank</c>, or others.</summary>
    public Dictionary<string, ModelProfileOptions> Profiles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public ModelResilienceOptions Resilience { get; set; } = new();

    public ModelBudgetOptions Budgets { get; set; } = new();

    public ModelCacheOptions Cache { get; set; } = new();

    /// <summary>Settings that came from an environment shortcut, mapped to the variable's name (for error messages).</summary>
    internal Dictionary<string, string> ShortcutSources { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One named model profile (<c>AgentRag:Models:Profiles:&lt;name&gt;</c>).</summary>
public sealed class ModelProfileOptions
{
    /// <summary>The OpenAI-compatible base URL (ending in <c>/v1</c> for most servers). Defaults to <see cref="ModelsOptions.Endpoint"/>, then to OpenAI.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The model id sent to the provider. A profile without a model is not configured.</summary>
    public string? Model { get; set; }

    /// <summary>The API key. Never logged. Defaults to <see cref="ModelsOptions.ApiKey"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A file whose first line is the API key.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>See <see cref="ModelsOptions.ApiKeyHeader"/>.</summary>
    public string? ApiKeyHeader { get; set; }

    /// <summary>How long one attempt may take (default 60 s; 30 s for embeddings).</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>USD per 1M input tokens. Defaults to the published price of well-known OpenAI models, else 0.</summary>
    public decimal? InputPricePer1M { get; set; }

    /// <summary>USD per 1M output tokens.</summary>
    public decimal? OutputPricePer1M { get; set; }

    /// <summary>USD per 1M cached input tokens (defaults to the input price).</summary>
    public decimal? CachedInputPricePer1M { get; set; }

    /// <summary>Output tokens assumed for a call that sets no limit, when budgets estimate its cost (default 1024).</summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Inputs per embeddings request (default 32).</summary>
    public int? EmbeddingBatchSize { get; set; }

    /// <summary>Requested embedding dimensions, for models that can shorten their vectors.</summary>
    public int? EmbeddingDimensions { get; set; }
}
