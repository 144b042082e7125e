using System.Diagnostics;
using System.Runtime.CompilerServices;
using AgentRag.Models.Calls;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentRag.Models.Logging;

/// <summary>
/// Logs each chat call (profile asked for, tenant, workflow, step, agent, duration, tokens, warnings, failure) and wraps
/// it in an <c>AgentRag.Models</c> activity. Never logs prompts, answers or API keys. Thread-safe.
/// </summary>
public sealed partial class LoggingChatClient(IChatClient innerClient, ILogger<LoggingChatClient> logger, TimeProvider timeProvider)
    : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var profile = options.GetProfile();
        var context = options.GetContext();
        using var activity = Start("chat", profile, context);
        var started = timeProvider.GetTimestamp();
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            var warnings = response.GetWarnings();
            activity?.SetTag("gen_ai.usage.input_tokens", response.Usage?.InputTokenCount);
            activity?.SetTag("gen_ai.usage.output_tokens", response.Usage?.OutputTokenCount);
            LogCompleted(profile, context.TenantId, context.WorkflowId, context.StepId, context.Agent,
                (long)timeProvider.GetElapsedTime(started).TotalMilliseconds, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount,
                warnings.Count == 0 ? "" : string.Join("; ", warnings));
            return response;
        }
        catch (Exception ex)
        {
            Failed(activity, profile, context, started, ex);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var profile = options.GetProfile();
        var context = options.GetContext();
        using var activity = Start("chat.stream", profile, context);
        var started = timeProvider.GetTimestamp();
        long? input = null, output = null;
        var warnings = new List<string>();
        await using var enumerator = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    break;
                }
            }
            catch (Exception ex)
            {
                Failed(activity, profile, context, started, ex);
                throw;
            }

            var update = enumerator.Current;
            warnings.AddRange(update.GetWarnings());
            foreach (var usage in update.Contents.OfType<UsageContent>())
            {
                input = (input ?? 0) + usage.Details.InputTokenCount;
                output = (output ?? 0) + usage.Details.OutputTokenCount;
            }

            yield return update;
        }

        LogCompleted(profile, context.TenantId, context.WorkflowId, context.StepId, context.Agent,
            (long)timeProvider.GetElapsedTime(started).TotalMilliseconds, input, output, string.Join("; ", warnings.Distinct()));
    }

    private static Activity? Start(string operation, string profile, ModelCallContext context)
    {
        var activity = ModelsTelemetry.ActivitySource.StartActivity($"{operation} {profile}", ActivityKind.Client);
        activity?.SetTag("agentrag.model.profile", profile);
        activity?.SetTag("agentrag.tenant", context.TenantId);
        activity?.SetTag("agentrag.workflow", context.WorkflowId);
        activity?.SetTag("agentrag.step", context.StepId);
        activity?.SetTag("agentrag.agent", context.Agent);
        return activity;
    }

    private void Failed(Activity? activity, string profile, ModelCallContext context, long started, Exception ex)
    {
        activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
        var elapsed = (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;
        if (ex is OperationCanceledException)
        {
            LogCancelled(profile, context.TenantId, context.WorkflowId, context.StepId, elapsed);
        }
        else
        {
            LogFailed(profile, context.TenantId, context.WorkflowId, context.StepId, elapsed, ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
        Message = "Model call on {Profile} for tenant {TenantId} (workflow {WorkflowId}, step {StepId}, agent {Agent}) took {ElapsedMs} ms; tokens in {InputTokens}, out {OutputTokens}. {Warnings}")]
    private partial void LogCompleted(string profile, string tenantId, string? workflowId, string? stepId, string? agent, long elapsedMs, long? inputTokens, long? outputTokens, string warnings);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "Model call on {Profile} for tenant {TenantId} (workflow {WorkflowId}, step {StepId}) failed after {ElapsedMs} ms: {ErrorType}: {Error}")]
    private partial void LogFailed(string profile, string tenantId, string? workflowId, string? stepId, long elapsedMs, string errorType, string error);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug,
        Message = "Model call on {Profile} for tenant {TenantId} (workflow {WorkflowId}, step {StepId}) cancelled after {ElapsedMs} ms.")]
    private partial void LogCancelled(string profile, string tenantId, string? workflowId, string? stepId, long elapsedMs);
}
