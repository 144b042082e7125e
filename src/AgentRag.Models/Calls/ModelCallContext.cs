using AgentRag.Core;

namespace AgentRag.Models.Calls;

/// <summary>
/// Who a model call is for and why: the attribution recorded with its usage row and checked against budgets.
/// Pass it explicitly with <see cref="ModelCallOptions.WithContext(Microsoft.Extensions.AI.ChatOptions?, ModelCallContext)"/>,
/// or set it for a region of code with <see cref="Begin"/> (an <see cref="AsyncLocal{T}"/> scope that flows into awaited
/// calls). The explicit one wins; with neither, the call is attributed to the default tenant.
/// </summary>
public sealed record ModelCallContext
{
    private static readonly AsyncLocal<ModelCallContext?> Ambient = new();

    public string TenantId { get; init; } = Tenancy.DefaultTenant;

    public string? UserId { get; init; }

    public string? SessionId { get; init; }

    public string? WorkflowId { get; init; }

    public string? StepId { get; init; }

    /// <summary>The agent making the call (planner, synthesis, …).</summary>
    public string? Agent { get; init; }

    public string? PromptId { get; init; }

    public string? PromptVersion { get; init; }

    /// <summary>Why the call runs on its profile (the routing decision's reason), recorded in usage.</summary>
    public string? RoutingReason { get; init; }

    /// <summary>Receives the layer's events for this call (<c>budget.warning</c>, <c>model.fallback</c>, …), e.g. the workflow's stream.</summary>
    public IModelEventSink? Events { get; init; }

    /// <summary>The ambient context of the current async flow, if any.</summary>
    public static ModelCallContext? Current => Ambient.Value;

    /// <summary>Makes <paramref name="context"/> ambient until the returned scope is disposed (restoring the previous one).</summary>
    public static IDisposable Begin(ModelCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var previous = Ambient.Value;
        Ambient.Value = context;
        return new Scope(previous);
    }

    private sealed class Scope(ModelCallContext? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Ambient.Value = previous;
            }
        }
    }
}
