using System.Runtime.CompilerServices;
using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Models.Usage;

/// <summary>
/// Records one usage row per call on its profile (successful, failed or cancelled), attributed to the call's
/// <see cref="ModelCallContext"/>, with tokens from the provider's usage data (estimated and flagged when absent), latency
/// and cost from the profile's prices. The call completes after its row is durable, so budgets checked afterwards see it.
/// A failure to store the row is logged, never thrown. Thread-safe.
/// </summary>
public sealed class UsageTrackingChatClient(
    IChatClient innerClient, ModelProfile profile, IUsageStore store, TimeProvider timeProvider, ILogger<UsageTrackingChatClient>? logger = null)
    : DelegatingChatClient(innerClient)
{
    private readonly UsageRecorder _recorder = new(profile, store, timeProvider, (ILogger?)logger ?? NullLogger.Instance);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var started = timeProvider.GetTimestamp();
        var startedAt = timeProvider.GetUtcNow();
        try
        {
            var response = await base.GetResponseAsync(list, options, cancellationToken);
            await _recorder.RecordAsync(options, UsageOperations.Chat, startedAt, started, response.Usage,
                () => TokenEstimator.EstimateInput(list, options), () => TokenEstimator.EstimateOutput(response.Messages), null);
            return response;
        }
        catch (Exception ex)
        {
            await _recorder.RecordAsync(options, UsageOperations.Chat, startedAt, started, null,
                () => TokenEstimator.EstimateInput(list, options), static () => 0, ex);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var started = timeProvider.GetTimestamp();
        var startedAt = timeProvider.GetUtcNow();
        UsageDetails? usage = null;
        long outputChars = 0;
        Exception? failure = null;
        var completed = false;
        var enumerator = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        completed = true;
                        break;
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                    throw;
                }

                var update = enumerator.Current;
                foreach (var content in update.Contents)
                {
                    switch (content)
                    {
                        case UsageContent usageContent:
                            (usage ??= new UsageDetails()).Add(usageContent.Details);
                            break;
                        case TextContent text:
                            outputChars += text.Text?.Length ?? 0;
                            break;
                        case FunctionCallContent call:
                            outputChars += call.Name.Length + System.Text.Json.JsonSerializer.Serialize(call.Arguments, ModelJson.Options).Length;
                            break;
                    }
                }

                yield return update;
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
            // A consumer that stops early ends the call too: record it as cancelled with what was seen.
            var outcome = failure ?? (completed ? null : new OperationCanceledException("The consumer stopped reading the stream."));
            await _recorder.RecordAsync(options, UsageOperations.ChatStream, startedAt, started, usage,
                () => TokenEstimator.EstimateInput(list, options), () => (outputChars + 3) / 4, outcome);
        }
    }
}

/// <summary>Builds and stores usage rows for one profile (shared by the chat and embedding trackers).</summary>
internal sealed class UsageRecorder(ModelProfile profile, IUsageStore store, TimeProvider timeProvider, ILogger logger)
{
    private int _warnedNoUsage;

    public ModelProfile Profile => profile;

    public async Task RecordAsync(
        ChatOptions? options, string operation, DateTimeOffset startedAt, long startedTimestamp, UsageDetails? usage,
        Func<long> estimateInput, Func<long> estimateOutput, Exception? failure) =>
        await RecordAsync(options.GetContext(), operation, startedAt, startedTimestamp, usage, estimateInput, estimateOutput, failure);

    public async Task RecordAsync(
        ModelCallContext context, string operation, DateTimeOffset startedAt, long startedTimestamp, UsageDetails? usage,
        Func<long> estimateInput, Func<long> estimateOutput, Exception? failure)
    {
        var latency = timeProvider.GetElapsedTime(startedTimestamp);
        var outcome = UsageRecord.OutcomeOf(failure);
        var hasUsage = usage?.InputTokenCount is not null || usage?.OutputTokenCount is not null;
        long input, output, cached;
        bool estimated;
        if (hasUsage)
        {
            input = usage!.InputTokenCount ?? 0;
            output = usage.OutputTokenCount ?? 0;
            cached = usage.CachedInputTokenCount ?? 0;
            estimated = false;
        }
        else if (outcome == UsageOutcome.Succeeded || failure is ModelCallException { Kind: ModelFailureKind.StreamInterrupted or ModelFailureKind.MalformedResponse or ModelFailureKind.EmptyResponse } || outcome == UsageOutcome.Cancelled)
        {
            // The provider did the work (or may have) without saying what it cost: estimate, and flag it.
            input = estimateInput();
            output = estimateOutput();
            cached = 0;
            estimated = true;
            if (outcome == UsageOutcome.Succeeded && Interlocked.Exchange(ref _warnedNoUsage, 1) == 0)
            {
                logger.LogWarning(
                    "Model profile {Profile} ({Model} at {Endpoint}) returned no usage data; token counts and costs are estimated and flagged. Check that {Setting}:Endpoint is a server that reports usage.",
                    profile.Name, profile.Model, profile.Endpoint, profile.SettingPath);
            }
        }
        else
        {
            // Refused before any work (connection, 4xx, 5xx, timeout before an answer): nothing was billed.
            input = output = cached = 0;
            estimated = false;
        }

        var record = UsageRecords.For(context, profile, operation, startedAt, failure) with
        {
            InputTokens = input,
            OutputTokens = output,
            CachedTokens = cached,
            Estimated = estimated,
            Latency = latency,
            CostNanoUsd = profile.Prices.CostNanoUsd(input, output, cached),
        };
        ModelsTelemetry.RecordCall(profile.Name, profile.Model, UsageOutcomes.Name(outcome), input, output, cached, record.CostUsd, latency, record.Agent, record.TenantId);
        try
        {
            // Not the caller's token: a cancelled call's row must still be stored.
            await store.RecordAsync(record, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not store the usage row of a {Operation} call on model profile {Profile}.", operation, profile.Name);
        }
    }
}
