using System.Globalization;
using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Core.Events;
using AgentRag.Models;
using AgentRag.Models.Routing;

namespace AgentRag.Agents.Workflows;

/// <summary>
/// The entry point to query workflows for the API, the CLI and benchmarks: validates and starts queries, reads their
/// state, cancels them, and waits for their answers. Every method is tenant-scoped: another tenant's workflow is
/// "not found". Thread-safe.
/// </summary>
public sealed class WorkflowService(
    IActorHost host, IEventLog eventLog, AgentsOptions options, WorkflowActorServices actorServices, ModelRouter router)
{
    /// <summary>Prefix of workflow ids (<c>wf_…</c>).</summary>
    public const string IdPrefix = "wf";

    /// <summary>The model name that means "the product's own routing" (as <c>GET /v1/models</c> lists it).</summary>
    public const string DefaultModelName = "agentrag";

    /// <summary>True when <paramref name="model"/> asks for no particular profile (empty or <see cref="DefaultModelName"/>).</summary>
    public static bool IsDefaultModel(string? model) =>
        string.IsNullOrWhiteSpace(model) || model.Trim().Equals(DefaultModelName, StringComparison.OrdinalIgnoreCase);

    /// <summary>A new workflow id, for callers that subscribe to the stream before starting.</summary>
    public static string NewWorkflowId() => Ids.New(IdPrefix);

    /// <summary>
    /// Throws <see cref="QueryRejectedException"/> when the request cannot run: an empty query, one longer than
    /// <see cref="AgentsOptions.MaxQueryLength"/>, or <see cref="QueryMode.Model"/> with no chat model configured.
    /// </summary>
    public void Validate(QueryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Query))
        {
            throw new QueryRejectedException("query", "The query is empty: ask a question.");
        }

        if (request.Query.Length > options.MaxQueryLength)
        {
            throw new QueryRejectedException("query", string.Create(CultureInfo.InvariantCulture,
                $"The query is {request.Query.Length:N0} characters long; the limit is {options.MaxQueryLength:N0} ({AgentsOptions.SectionName}:{nameof(AgentsOptions.MaxQueryLength)})."));
        }

        if (request.Filters?.Validate() is { } filterError)
        {
            throw new QueryRejectedException("filters", filterError);
        }

        if (!Enum.IsDefined(request.Mode))
        {
            throw new QueryRejectedException("mode", $"Unknown mode '{request.Mode}': use auto, extractive or model.");
        }

        if (!Enum.IsDefined(request.Approval))
        {
            throw new QueryRejectedException("approval", $"Unknown approval '{request.Approval}': use none or before_answer.");
        }

        if (request.Mode == QueryMode.Model && !actorServices.ModelAvailable)
        {
            throw new QueryRejectedException("mode", "Mode 'model' needs a chat model, and none is configured: use mode 'auto' or 'extractive'.");
        }

        if (request.Model is { Length: > 0 } model && !IsDefaultModel(model) && actorServices.ModelAvailable && request.Mode != QueryMode.Extractive)
        {
            try
            {
                router.Route(new RoutingRequest(request.Query, 0, model));
            }
            catch (ModelUnavailableException ex)
            {
                throw new QueryRejectedException("model", ex.Message);
            }
        }
    }

    /// <summary>
    /// Validates and starts a workflow; returns its initial state once that is durable. The workflow then runs in the
    /// background: follow it on <see cref="WorkflowEvents.StreamId"/>. Passing <paramref name="workflowId"/> (from
    /// <see cref="NewWorkflowId"/>) lets a caller subscribe first. Throws <see cref="QueryRejectedException"/>.
    /// </summary>
    public async Task<WorkflowState> StartAsync(string tenantId, QueryRequest request, string? workflowId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        Validate(request);
        var id = workflowId ?? NewWorkflowId();
        if (!Ids.IsWellFormed(id, IdPrefix))
        {
            throw new ArgumentException($"'{id}' is not a workflow id (wf_ and 16 base-32 characters).", nameof(workflowId));
        }

        var normalized = request with { Query = request.Query.Trim(), Model = IsDefaultModel(request.Model) ? null : request.Model!.Trim() };
        return await host.AskAsync<WorkflowState>(WorkflowActor.IdOf(tenantId, id), new StartWorkflow(normalized, WorkflowTelemetry.CurrentTraceParent()), cancellationToken);
    }

    /// <summary>
    /// A snapshot of the workflow's state, asked of its actor (the single owner of that state, on whichever runtime runs
    /// it), or null when the tenant has no such workflow (or the id is malformed).
    /// </summary>
    public async Task<WorkflowState?> GetAsync(string tenantId, string workflowId, CancellationToken cancellationToken = default) =>
        Ids.IsWellFormed(workflowId, IdPrefix)
            ? await host.AskAsync<WorkflowState?>(WorkflowActor.IdOf(tenantId, workflowId), new GetWorkflowState(), cancellationToken)
            : null;

    /// <summary>
    /// Cancels the workflow. Returns null when the tenant has no such workflow, false when it had already ended, true
    /// when it was cancelled (its stream ends with an <c>error</c> event with code <c>cancelled</c>).
    /// </summary>
    public async Task<bool?> CancelAsync(string tenantId, string workflowId, string reason = "Cancelled by the client.", CancellationToken cancellationToken = default)
    {
        if (await GetAsync(tenantId, workflowId, cancellationToken) is null)
        {
            return null;
        }

        return await host.AskAsync<bool>(WorkflowActor.IdOf(tenantId, workflowId), new CancelWorkflow(reason), cancellationToken);
    }

    /// <summary>
    /// Runs a query to its end and returns its final state (completed, failed or cancelled), or its state once it waits
    /// for a person's approval (<see cref="WorkflowStatus.AwaitingApproval"/>: decide through the approvals API, then
    /// follow its stream). Cancelling <paramref name="cancellationToken"/> stops waiting, not the workflow.
    /// <paramref name="workflowId"/> (from <see cref="NewWorkflowId"/>) names the workflow, e.g. one already recorded in a
    /// session; a new id when null. Throws <see cref="QueryRejectedException"/>.
    /// </summary>
    public async Task<WorkflowState> RunAsync(
        string tenantId, QueryRequest request, Action<StoredEvent>? onEvent = null, string? workflowId = null, CancellationToken cancellationToken = default)
    {
        Validate(request);
        var id = workflowId ?? NewWorkflowId();
        using var subscription = eventLog.Subscribe(tenantId, WorkflowEvents.StreamId(id));
        await StartAsync(tenantId, request, id, cancellationToken);
        await foreach (var stored in subscription.ReadAllAsync(cancellationToken))
        {
            onEvent?.Invoke(stored);
            if (WorkflowEvents.IsFinal(stored))
            {
                break;
            }

            // Paused for a person (nothing else runs): the caller need not wait for a decision that may take days.
            if (stored.Type == WorkflowEvents.ApprovalRequired
                && await host.AskAsync<WorkflowState?>(WorkflowActor.IdOf(tenantId, id), new GetWorkflowState(), cancellationToken) is { Status: WorkflowStatus.AwaitingApproval })
            {
                break;
            }
        }

        // The final event is published before its commit; the actor answers after the turn that committed it.
        return await host.AskAsync<WorkflowState?>(WorkflowActor.IdOf(tenantId, id), new GetWorkflowState(), cancellationToken)
            ?? throw new InvalidOperationException($"Workflow {id} ended but its state is missing.");
    }
}
