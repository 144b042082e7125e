using System.ClientModel;
using System.ClientModel.Primitives;
using AgentRag.Models.Configuration;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace AgentRag.Models.OpenAi;

/// <summary>
/// Creates OpenAI SDK clients for a profile. The SDK's own retries are off (<see cref="ClientRetryPolicy"/> with 0
/// retries): the model layer's Polly pipeline owns retries, so one 503 is one request per attempt of our policy.
/// </summary>
internal static class OpenAiClientFactory
{
    public static ChatClient CreateChatClient(ModelProfile profile) =>
        new(profile.Model, Credential(profile), CreateOptions(profile));

    public static EmbeddingClient CreateEmbeddingClient(ModelProfile profile) =>
        new(profile.Model, Credential(profile), CreateOptions(profile));

    internal static OpenAIClientOptions CreateOptions(ModelProfile profile)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = profile.Endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Also bounds each read of a stream, so a stalled stream fails instead of hanging.
            NetworkTimeout = profile.Timeout,
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
