using System.Text.Json;
using AgentRag.Agents.Workflows;
using AgentRag.Models.Routing;
using AgentRag.Retrieval.Query;

namespace AgentRag.Agents;

/// <summary>Everything one run of a step gets: the workflow's question, the step's inputs, and its dependencies' results.</summary>
public sealed class StepContext
{
    public required string TenantId { get; init; }

    public required string WorkflowId { get; init; }

    /// <summary>The conversation the workflow belongs to, if any (recorded with its model calls).</summary>
    public string? SessionId { get; init; }

    public required string StepId { get; init; }

    /// <summary>The workflow's model routing decision (which chat profile its calls use), when a chat model is used.</summary>
    public RoutingDecision? Routing { get; init; }

    /// <summary>The user's question.</summary>
    public required string Query { get; init; }

    public required QueryMode Mode { get; init; }

    /// <summary>The request's search filters, if any.</summary>
    public SearchFilters? Filters { get; init; }

    /// <summary>The step's inputs (already validated against the agent's schema).</summary>
    public required IReadOnlyDictionary<string, JsonElement> Inputs { get; init; }

    /// <summary>The completed dependencies, in the plan's <c>dependsOn</c> order (optional ones that failed are absent).</summary>
    public required IReadOnlyList<StepDependency> Dependencies { get; init; }

    /// <summary>Streams progress and tokens to the workflow's event log.</summary>
    public required IStepEvents Events { get; init; }

    /// <summary>1 for the first run; higher after a timeout, a fallback or a restart.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Run the agent's degraded mode: the normal run failed (see <see cref="AgentDescriptor.HasFallback"/>).</summary>
    public bool IsFallback { get; init; }

    public string? GetString(string name) =>
        Inputs.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public int GetInt32(string name, int defaultValue) =>
        Inputs.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : defaultValue;

    public double GetDouble(string name, double defaultValue) =>
        Inputs.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : defaultValue;

    /// <summary>The strings of a string-array input; empty when the input is absent.</summary>
    public IReadOnlyList<string> GetStringList(string name) =>
        Inputs.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
            : [];
}

/// <summary>A completed step this step depends on.</summary>
public sealed record StepDependency(string StepId, string Agent, StepOutput Output);

/// <summary>
/// A running step's channel to its workflow's event stream. Calls are cheap and non-blocking (the events are
/// queued for the workflow actor, which appends them to the durable log). Thread-safe.
/// </summary>
public interface IStepEvents
{
    /// <summary>Emits <c>step.progress</c>.</summary>
    void Progress(string message);

    /// <summary>Emits <c>token</c> with a piece of the answer.</summary>
    void Token(string text);

    /// <summary>
    /// Emits <c>token.reset</c>: the tokens this step streamed so far are void, and its answer starts over with the tokens
    /// that follow. <paramref name="cause"/> says why: the answer restarts (its model call failed and a fallback starts over)
    /// or the text of a model turn that ended in tool calls is dropped. Clients drop the step's earlier tokens.
    /// </summary>
    void ResetTokens(string reason, TokenResetCause cause = TokenResetCause.Restart);

    /// <summary>
    /// Emits <c>step.progress</c> with a <c>warning</c> of <paramref name="kind"/> (e.g. <c>model.fallback</c>,
    /// <c>budget.warning</c>, <c>tool.error</c>): something the user should know about the answer being made.
    /// </summary>
    void Warning(string kind, string message);

    /// <summary>Emits <c>step.progress</c> describing a tool call: the tool, its arguments (JSON) and a summary of its result.</summary>
    void ToolCall(string tool, string arguments, string resultSummary);
}

/// <summary>Why a step's streamed tokens were voided (<c>token.reset</c>'s <c>cause</c>).</summary>
public enum TokenResetCause
{
    /// <summary>The answer is rewritten from its start (fallback model, extractive fallback, a re-run of the step).</summary>
    Restart,

    /// <summary>The text of a model turn that ended in tool calls; the answer follows the tools' results.</summary>
    ToolCalls,
}
