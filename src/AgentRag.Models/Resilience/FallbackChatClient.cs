using System.Runtime.CompilerServices;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Models.Resilience;

/// <summary>
/// Answers with the <c>fallback</c> profile when the requested chat profile fails (after its own retries). The answer
/// carries the warning "Generated with fallback model" (<see cref="ModelCallOptions.GetWarnings(ChatResponse)"/>) and a
/// <c>model.fallback</c> event goes to the call's sink. A stream that fails part-way is never silently truncated: the
/// fallback's answer follows a marker update flagged <see cref="ModelCallOptions.RestartKey"/>, telling the consumer to
/// discard the partial text. Without a fallback profile, or when it fails too, throws (<see cref="ModelChainExhaustedException"/>
/// when both failed). Cancellation and budget refusals are never retried on the fallback. Thread-safe.
/// </summary>
public sealed class FallbackChatClient(IChatClient innerClient, ModelCatalog catalog, ILogger<FallbackChatClient>? logger = null)
    : DelegatingChatClient(innerClient)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var profile = options.GetProfile();
        if (!CanFallBack(profile))
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        var list = messages as IList<ChatMessage> ?? messages.ToList();
        ModelException primaryFailure;
        try
        {
            return await base.GetResponseAsync(list, options, cancellationToken);
        }
        catch (ModelException ex) when (IsFallbackWorthy(ex))
        {
            primaryFailure = ex;
        }

        await AnnounceAsync(profile, primaryFailure, options, midStream: false, cancellationToken);
        try
        {
            var response = await base.GetResponseAsync(list, options.WithProfile(ModelProfileNames.Fallback), cancellationToken);
            response.AddWarnings(ModelCallOptions.FallbackWarning);
            (response.AdditionalProperties ??= [])[ModelCallOptions.ServedByProfileKey] = ModelProfileNames.Fallback;
            return response;
        }
        catch (ModelException fallbackFailure) when (IsFallbackWorthy(fallbackFailure))
        {
            throw new ModelChainExhaustedException([primaryFailure, fallbackFailure]);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var profile = options.GetProfile();
        if (!CanFallBack(profile))
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var yielded = 0;
        ModelException? primaryFailure = null;
        await using (var enumerator = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken))
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (ModelException ex) when (IsFallbackWorthy(ex))
                {
                    primaryFailure = ex;
                    break;
                }

                yielded++;
                yield return enumerator.Current;
            }
        }

        if (primaryFailure is null)
        {
            yield break;
        }

        var midStream = yielded > 0;
        await AnnounceAsync(profile, primaryFailure, options, midStream, cancellationToken);
        IReadOnlyList<string> warnings = midStream
            ? [ModelCallOptions.FallbackWarning, $"The '{profile}' model failed mid-answer; its partial text was discarded."]
            : [ModelCallOptions.FallbackWarning];
        yield return ModelCallOptions.CreateMarkerUpdate(warnings, restart: midStream, servedBy: ModelProfileNames.Fallback);

        await using var fallback = base.GetStreamingResponseAsync(list, options.WithProfile(ModelProfileNames.Fallback), cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await fallback.MoveNextAsync())
                {
                    break;
                }
            }
            catch (ModelException fallbackFailure) when (IsFallbackWorthy(fallbackFailure))
            {
                throw new ModelChainExhaustedException([primaryFailure, fallbackFailure]);
            }

            yield return fallback.Current;
        }
    }

    private bool CanFallBack(string profile) =>
        !profile.Equals(ModelProfileNames.Fallback, StringComparison.OrdinalIgnoreCase) && catalog.IsConfigured(ModelProfileNames.Fallback);

    /// <summary>Provider failures fall back; a profile that is not configured is a programming or configuration error.</summary>
    private static bool IsFallbackWorthy(ModelException exception) => exception is ModelCallException or ModelChainExhaustedException;

    private async Task AnnounceAsync(string profile, ModelException failure, ChatOptions? options, bool midStream, CancellationToken cancellationToken)
    {
        ModelsTelemetry.RecordFallback(profile);
        var fallback = catalog.Get(ModelProfileNames.Fallback);
        await ModelEvents.PublishAsync(options.GetContext(), new ModelEvent(
            ModelEventTypes.Fallback,
            $"{ModelCallOptions.FallbackWarning}: profile '{profile}' failed{(midStream ? " mid-stream" : "")} ({failure.Message}); answering with '{fallback.Name}' ({fallback.Model}).",
            new Dictionary<string, object?>
            {
                ["from"] = profile,
                ["to"] = fallback.Name,
                ["model"] = fallback.Model,
                ["reason"] = failure.Message,
                ["midStream"] = midStream,
            }), _logger, cancellationToken);
    }
}
