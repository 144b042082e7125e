using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRag.Models.Calls;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Caching;

/// <summary>
/// The optional exact-match response cache (off by default, <c>AgentRag:Models:Cache:Responses:Enabled</c>): a call with
/// the same tenant, profile, messages and parameters as a recent successful one gets that response again, flagged
/// <see cref="ModelCallOptions.CacheHitKey"/>, without a model call, usage row or budget charge. Calls with tools are never
/// cached. Streaming hits replay the cached response as updates. Thread-safe.
/// </summary>
public sealed class ResponseCachingChatClient(IChatClient innerClient, ModelCaches caches) : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var key = KeyFor(list, options);
        if (key is null)
        {
            return await base.GetResponseAsync(list, options, cancellationToken);
        }

        if (Lookup(key) is { } cached)
        {
            return cached;
        }

        var response = await base.GetResponseAsync(list, options, cancellationToken);
        caches.Responses.Set(key, response);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var key = KeyFor(list, options);
        if (key is not null && Lookup(key) is { } cached)
        {
            foreach (var update in cached.ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken))
        {
            if (key is not null)
            {
                updates.Add(update);
            }

            yield return update;
        }

        if (key is not null && !updates.Any(u => u.IsRestart()))
        {
            caches.Responses.Set(key, updates.ToChatResponse());
        }
    }

    private ChatResponse? Lookup(string key)
    {
        var hit = caches.Responses.TryGet(key, out var cached);
        ModelsTelemetry.RecordCacheLookup("response", hit);
        if (!hit)
        {
            return null;
        }

        var copy = new ChatResponse(cached.Messages.Select(m => m.Clone()).ToList())
        {
            ResponseId = cached.ResponseId,
            ModelId = cached.ModelId,
            CreatedAt = cached.CreatedAt,
            FinishReason = cached.FinishReason,
            Usage = cached.Usage,
            AdditionalProperties = cached.AdditionalProperties is null ? [] : new AdditionalPropertiesDictionary(cached.AdditionalProperties),
        };
        copy.AdditionalProperties[ModelCallOptions.CacheHitKey] = true;
        return copy;
    }

    /// <summary>The cache key, or null when the call must not be cached.</summary>
    private string? KeyFor(IList<ChatMessage> messages, ChatOptions? options)
    {
        if (!caches.ResponseSettings.Enabled || options?.Tools is { Count: > 0 })
        {
            return null;
        }

        var context = options.GetContext();
        var material = JsonSerializer.Serialize(new
        {
            profile = options.GetProfile(),
            instructions = options?.Instructions,
            temperature = options?.Temperature,
            maxOutputTokens = options?.MaxOutputTokens,
            topP = options?.TopP,
            stop = options?.StopSequences,
            format = options?.ResponseFormat?.GetType().Name,
            messages = messages.Select(m => new { role = m.Role.Value, text = m.Text }),
        }, ModelJson.Options);
        return context.TenantId + "|" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }
}
