using System.ClientModel;
using System.ClientModel.Primitives;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace AgentRag.Models.OpenAi;

/// <summary>
/// Creates a profile's chat client and embedding generator: Microsoft.Extensions.AI.OpenAI's <c>AsIChatClient</c> and
/// <c>AsIEmbeddingGenerator</c> over the official OpenAI SDK, each inside <see cref="OpenAiCheckedChatClient"/> or
/// <see cref="OpenAiCheckedEmbeddingGenerator"/>. The SDK neither retries (<see cref="ClientRetryPolicy"/> with 0
/// retries) nor times out (an infinite network timeout): the model layer's Polly pipeline owns retries and the checked
/// clients own timeouts, on the injected <see cref="TimeProvider"/>, so one 503 is one request per attempt of our policy.
/// </summary>
internal static class OpenAiClientFactory
{
    public static IChatClient CreateChatClient(ModelProfile profile, TimeProvider timeProvider) =>
        new OpenAiCheckedChatClient(
            new ChatClient(profile.Model, Credential(profile), CreateOptions(profile)).AsIChatClient(), profile, timeProvider);

    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(ModelProfile profile, TimeProvider timeProvider) =>
        new OpenAiCheckedEmbeddingGenerator(
            new EmbeddingClient(profile.Model, Credential(profile), CreateOptions(profile)).AsIEmbeddingGenerator(profile.EmbeddingDimensions),
            profile, timeProvider);

    internal static OpenAIClientOptions CreateOptions(ModelProfile profile)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = profile.Endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // The SDK's default (100 s) would cut a call our profile allows longer; the checked clients bound each wait.
            NetworkTimeout = Timeout.InfiniteTimeSpan,
            UserAgentApplicationId = "agentrag",
        };
        if (!profile.HasApiKey || profile.ApiKeyHeader is not null)
        {
            options.AddPolicy(new ApiKeyHeaderPolicy(profile.HasApiKey ? profile.ApiKeyHeader : null, profile.ApiKey), PipelinePosition.BeforeTransport);
        }

        return options;
    }

    /// <summary>The SDK insists on a credential; a profile without a key gets a placeholder that <see cref="ApiKeyHeaderPolicy"/> strips.</summary>
    private static ApiKeyCredential Credential(ModelProfile profile) => new(profile.HasApiKey ? profile.ApiKey! : "no-key");

    /// <summary>
    /// Replaces the SDK's <c>Authorization: Bearer</c> header: with nothing (self-hosted servers that need no key) or with
    /// the key in another header (Azure OpenAI's <c>api-key</c>).
    /// </summary>
    private sealed class ApiKeyHeaderPolicy(string? header, string? key) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Apply(PipelineMessage message)
        {
            message.Request.Headers.Remove("Authorization");
            if (header is not null && key is not null)
            {
                message.Request.Headers.Set(header, key);
            }
        }
    }
}
