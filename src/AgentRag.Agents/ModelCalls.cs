namespace AgentRag.Agents;

/// <summary>
/// Attributes the model calls made in a region of code to a workflow step, so the model layer's usage and budget
/// decorators record them against the right tenant, workflow, step, agent and prompt, and its events (fallback model
/// used, budget warnings) reach the workflow's answer. The model layer implements it over its ambient call context;
/// without it, <see cref="NoModelCallScope"/> does nothing. Thread-safe.
/// </summary>
public interface IModelCallScope
{
    /// <summary>Makes <paramref name="call"/> the attribution of model calls in the current async flow until disposed.</summary>
    IDisposable Begin(ModelCallAttribution call);
}

/// <summary>Who a model call is for.</summary>
/// <param name="OnWarning">Receives the model layer's warnings for the call (e.g. "Generated with fallback model").</param>
public sealed record ModelCallAttribution(
    string TenantId, string WorkflowId, string StepId, string Agent, string? PromptId, string? PromptVersion, Action<string>? OnWarning = null);

/// <summary>The <see cref="IModelCallScope"/> used when no model layer is registered.</summary>
public sealed class NoModelCallScope : IModelCallScope
{
    public static NoModelCallScope Instance { get; } = new();

    public IDisposable Begin(ModelCallAttribution call) => Scope.Instance;

    private sealed class Scope : IDisposable
    {
        public static readonly Scope Instance = new();

        public void Dispose()
        {
        }
    }
}
