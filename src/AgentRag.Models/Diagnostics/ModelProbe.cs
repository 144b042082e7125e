using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Pipeline;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Diagnostics;

/// <summary>The result of probing one profile.</summary>
/// <param name="Error">Why it failed, naming the profile, URL and setting; null on success.</param>
public sealed record ModelProbeResult(string Profile, string Model, Uri Endpoint, bool Succeeded, TimeSpan Latency, long InputTokens, long OutputTokens, string? Error);

/// <summary>
/// Calls each configured profile once (one request, no retries, no fallback) to check it answers: a tiny chat completion
/// for chat profiles, one embedding for the <c>embedding</c> profile. Each call records a usage row (agent
/// <c>models-check</c>). Never throws for a provider failure: it is reported in the result. Thread-safe.
/// </summary>
public sealed class ModelProbe(IServiceProvider services, ModelCatalog catalog, TimeProvider timeProvider)
{
    /// <summary>The agent name usage rows of probes are attributed to.</summary>
    public const string Agent = "models-check";

    /// <summary>Probes every configured profile in turn, in <see cref="ModelCatalog.Profiles"/> order.</summary>
    public async Task<IReadOnlyList<ModelProbeResult>> ProbeAllAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var results = new List<ModelProbeResult>();
        foreach (var profile in catalog.Profiles)
        {
            results.Add(await ProbeAsync(profile, tenantId, cancellationToken));
        }

        return results;
    }

    public async Task<ModelProbeResult> ProbeAsync(ModelProfile profile, string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var context = new ModelCallContext { TenantId = tenantId, Agent = Agent };
        var started = timeProvider.GetTimestamp();
        try
        {
            if (profile.Name.Equals(ModelProfileNames.Embedding, StringComparison.OrdinalIgnoreCase))
            {
                using var generator = ModelPipelineFactory.CreateProfileEmbeddingGenerator(services, profile, resilient: false);
                var embeddings = await generator.GenerateAsync(["agentrag models check"], new EmbeddingGenerationOptions().WithContext(context), cancellationToken);
                return Success(profile, started, embeddings.Usage);
            }

            using var client = ModelPipelineFactory.CreateProfileChatClient(services, profile, resilient: false);
            var options = new ChatOptions { MaxOutputTokens = 16, Temperature = 0 }.WithContext(context);
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Reply with the single word: ok")], options, cancellationToken);
            return Success(profile, started, response.Usage);
        }
        catch (ModelException ex)
        {
            return new ModelProbeResult(profile.Name, profile.Model, profile.Endpoint, false, timeProvider.GetElapsedTime(started), 0, 0, ex.Message);
        }
    }

    private ModelProbeResult Success(ModelProfile profile, long started, UsageDetails? usage) =>
        new(profile.Name, profile.Model, profile.Endpoint, true, timeProvider.GetElapsedTime(started),
            usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0, null);
}
