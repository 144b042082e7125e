using AgentRag.Models.Calls;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents;

/// <summary>
/// The model calls of one step run: builds their <see cref="ModelCallContext"/> (tenant, session, workflow, step, agent;
/// the prompt id and version are added by <see cref="Models.Prompts.PromptTemplate.CreateOptions"/>), and relays what the
/// model layer reports about them to the step's stream (<c>step.progress</c> with a <c>warning</c>, and
/// <c>token.reset</c> when a stream restarts on the fallback profile) and to the answer's warnings. Thread-safe.
/// </summary>
public sealed class StepModelCalls : IModelEventSink
{
    private readonly StepContext _step;
    private readonly List<string> _warnings = [];

    public StepModelCalls(StepContext step, string agent)
    {
        ArgumentNullException.ThrowIfNull(step);
        _step = step;
        Context = new ModelCallContext
        {
            TenantId = step.TenantId,
            SessionId = step.SessionId,
            WorkflowId = step.WorkflowId,
            StepId = step.StepId,
            Agent = agent,
            RoutingReason = step.Routing?.Reason,
            Events = this,
        };
    }

    /// <summary>The attribution of the step's calls.</summary>
    public ModelCallContext Context { get; }

    /// <summary>The warnings the model layer raised for the step's calls so far (fallback model used, budget downgrade or warning), each once.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_warnings)
            {
                return [.. _warnings];
            }
        }
    }

    /// <summary>Chat options for a call outside any prompt template, attributed to this step and on the workflow's routed profile.</summary>
    public ChatOptions Options(ChatOptions? baseOptions = null)
    {
        var options = baseOptions.WithContext(Context);
        return _step.Routing is { } routing ? options.WithProfile(routing.Profile) : options;
    }

    /// <summary>
    /// Relays a streaming update's markers: warnings (e.g. "Generated with fallback model") go to the answer, and a restart
    /// on another profile voids the tokens streamed so far. Returns false when the update is a restart marker.
    /// </summary>
    public bool Observe(ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (var warning in update.GetWarnings())
        {
            Add(warning);
        }

        if (update.IsRestart())
        {
            _step.Events.ResetTokens("The model stream failed part-way; it restarts on the fallback model.");
            return false;
        }

        return true;
    }

    /// <summary>Adds the warnings of a complete response to the answer's.</summary>
    public void Observe(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        foreach (var warning in response.GetWarnings())
        {
            Add(warning);
        }
    }

    ValueTask IModelEventSink.PublishAsync(ModelEvent modelEvent, CancellationToken cancellationToken)
    {
        _step.Events.Warning(modelEvent.Type, modelEvent.Message);
        Add(modelEvent.Type switch
        {
            ModelEventTypes.Fallback => ModelCallOptions.FallbackWarning,
            _ => modelEvent.Message,
        });
        return ValueTask.CompletedTask;
    }

    private void Add(string warning)
    {
        lock (_warnings)
        {
            if (!_warnings.Contains(warning, StringComparer.Ordinal))
            {
                _warnings.Add(warning);
            }
        }
    }
}
