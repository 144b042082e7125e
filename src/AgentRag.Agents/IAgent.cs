using AgentRag.Agents.Plans;

namespace AgentRag.Agents;

/// <summary>
/// An agent: the code behind one kind of plan step. Agents are stateless singletons; everything a run needs comes
/// in the <see cref="StepContext"/>. They run outside the workflow actor's turn, in parallel with other steps.
/// </summary>
public interface IAgent
{
    AgentDescriptor Descriptor { get; }

    /// <summary>
    /// Runs the step. Throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is
    /// cancelled (workflow cancelled, step timed out, host stopping); any other exception is the step's failure, which
    /// the workflow handles by the step's policy. Agents do not retry model calls: the model layer already did.
    /// When <see cref="StepContext.IsFallback"/> is set, the agent runs its degraded mode
    /// (<see cref="AgentDescriptor.HasFallback"/>).
    /// </summary>
    Task<StepOutput> ExecuteAsync(StepContext context, CancellationToken cancellationToken);
}

/// <summary>What an agent does and accepts, for plan validation, estimates and the model planner's prompt.</summary>
/// <param name="Name">The name plans use (see <see cref="AgentNames"/>).</param>
/// <param name="Description">One sentence for people and the model planner.</param>
/// <param name="Inputs">The accepted step inputs.</param>
/// <param name="Cost">Expected cost of one run.</param>
/// <param name="HasFallback">Whether a failed run can be replaced by a degraded one (synthesis: extractive).</param>
public sealed record AgentDescriptor(string Name, string Description, InputSchema Inputs, AgentCostProfile Cost, bool HasFallback = false);

/// <summary>
/// Expected cost of one run of an agent: model calls and tokens when a chat model is used, and latency with and
/// without one. Used only for estimates, never to limit anything.
/// </summary>
public sealed record AgentCostProfile(int ModelCalls = 0, int InputTokens = 0, int OutputTokens = 0, int ModelLatencyMs = 0, int LocalLatencyMs = 1);
