using AgentRag.Agents;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Sessions;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Events;
using AgentRag.Core.Sessions;
using AgentRag.Models.Budgets;
using AgentRag.Retrieval.Query;
using AgentRag.Server.Hosting;
using AgentRag.Server.Limits;
using AgentRag.Server.Security;
using AgentRag.Server.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/queries</c>: ask a question and get a cited answer, streamed as server-sent events (<c>Accept:
/// text/event-stream</c>) or as one JSON result; follow, inspect and cancel a query's workflow. A client that
/// disconnects does not cancel its query.
/// </summary>
public static class QueriesApi
{
    public static RouteGroupBuilder MapQueriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/queries").WithTags("Queries").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapPost("/", AskAsync).WithName("AskQuery").WithSummary("Ask a question; the cited answer comes as one JSON result, or as server-sent events with Accept: text/event-stream.").DisableAntiforgery().WithLimitGroup(LimitGroup.Queries).AddEndpointFilter<QueryQuotaFilter>().Accepts<QueryBody>("application/json")
            .ProducesProblem(StatusCodes.Status402PaymentRequired).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        api.MapGet("/{id}", GetAsync).WithName("GetQuery").WithSummary("A query's workflow: its plan, steps, status and answer.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/events", StreamEventsAsync).WithName("StreamQueryEvents").WithSummary("Follow a query's workflow events (server-sent events; Last-Event-ID resumes).").Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/citations", CitationExport.ExportAsync).WithName("ExportQueryCitations").WithSummary("An answer's citations as JSON, or with format=bibtex as a BibTeX file (application/x-bibtex).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/{id}", CancelAsync).WithName("CancelQuery").WithSummary("Cancel a query's workflow.").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>
    /// The request body: the question, optional search filters, <c>auto</c> (default), <c>extractive</c> or <c>model</c>,
    /// the session (else the <c>X-Session-ID</c> header; a new one when neither), a model profile name, and
    /// <c>"approval": "before_answer"</c> to put the answer behind a person's approval.
    /// </summary>
    public sealed record QueryBody(
        string? Query, SearchFilters? Filters = null, QueryMode? Mode = null, string? SessionId = null, string? Model = null, ApprovalCheckpoint? Approval = null);

    /// <summary>The JSON answer of a query (the <c>done</c> event's fields, plus the workflow's outcome).</summary>
    public sealed record QueryResult(
        string WorkflowId,
        string? SessionId,
        string? OriginalQuery,
        WorkflowStatus Status,
        string? Answer,
        IReadOnlyList<Citation> Citations,
        IReadOnlyList<string> Warnings,
        AnswerMode? Mode,
        double? CitationSupportRate,
        string? Error);

    /// <summary>The outcome of a cancellation request.</summary>
    public sealed record CancelResult(string WorkflowId, bool Cancelled, WorkflowStatus Status);

    internal static async Task<Results<Ok<QueryResult>, EmptyHttpResult, ValidationProblem, ProblemHttpResult>> AskAsync(
        TenantId tenant, HttpContext httpContext, WorkflowService workflows, ConversationService conversations, ServerSentEvents events,
        BudgetLedger budgets, CancellationToken cancellationToken)
    {
        if (!httpContext.Request.HasJsonContentType() && httpContext.Request.ContentLength is null or 0)
        {
            return Invalid("body", "Send a JSON body: {\"query\": \"…\", \"filters\": {…}, \"mode\": \"auto|extractive|model\"}.");
        }

        var (body, problem) = await JsonBody.ReadAsync<QueryBody>(httpContext.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (SessionHeader.Resolve(httpContext, body!.SessionId) is { Error: { } sessionError })
        {
            return Invalid("sessionId", sessionError);
        }

        var mode = body.Mode ?? QueryMode.Auto;
        var approval = body.Approval ?? ApprovalCheckpoint.None;

        // A query that must use a model is refused up front when a spending budget is used up (in auto mode the answer
        // falls back to extractive with a "Budget reached" warning instead).
        if (mode == QueryMode.Model
            && await budgets.FindExhaustedAsync(tenant.Value, NullIfEmpty(httpContext.Response.Headers[SessionIds.HeaderName].ToString()), cancellationToken) is { } exhausted)
        {
            return ModelProblems.BudgetExceeded(exhausted);
        }

        var request = new QueryRequest(body.Query ?? "", body.Filters, mode) { Model = body.Model, Approval = approval };
        ConversationTurn turn;
        try
        {
            turn = await conversations.BeginTurnAsync(tenant.Value, httpContext.Response.Headers[SessionIds.HeaderName], request, cancellationToken: cancellationToken);
        }
        catch (QueryRejectedException ex)
        {
            return Invalid(ex.Field, ex.Message);
        }

        if (!WantsEventStream(httpContext.Request))
        {
            // The client's token only stops the wait: the workflow goes on and can be followed by id.
            var final = await workflows.RunAsync(tenant.Value, turn.Request, workflowId: turn.WorkflowId, cancellationToken: cancellationToken);
            await conversations.CompleteTurnAsync(tenant.Value, turn.SessionId, final, CancellationToken.None);
            return TypedResults.Ok(ToResult(final));
        }

        await workflows.StartAsync(tenant.Value, turn.Request, turn.WorkflowId, CancellationToken.None);
        httpContext.Response.Headers.Location = $"/v1/queries/{turn.WorkflowId}";
        httpContext.Response.Headers["X-Workflow-Id"] = turn.WorkflowId;
        await events.StreamAsync(httpContext, tenant.Value, WorkflowEvents.StreamId(turn.WorkflowId), WorkflowEvents.IsFinal);
        if (await workflows.GetAsync(tenant.Value, turn.WorkflowId, CancellationToken.None) is { IsTerminal: true } ended)
        {
            await conversations.CompleteTurnAsync(tenant.Value, turn.SessionId, ended, CancellationToken.None);
        }

        return TypedResults.Empty;
    }

    internal static async Task<Results<Ok<WorkflowState>, ProblemHttpResult>> GetAsync(
        string id, TenantId tenant, WorkflowService workflows, CancellationToken cancellationToken) =>
        await workflows.GetAsync(tenant.Value, id, cancellationToken) is { } state
            ? TypedResults.Ok(state)
            : NotFound(id);

    internal static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> StreamEventsAsync(
        string id, TenantId tenant, HttpContext httpContext, WorkflowService workflows, IEventLog eventLog, ServerSentEvents events, CancellationToken cancellationToken)
    {
        var state = await workflows.GetAsync(tenant.Value, id, cancellationToken);
        if (state is null)
        {
            return NotFound(id);
        }

        // A client that already saw the end of a finished workflow gets an empty stream rather than a wait.
        var streamId = WorkflowEvents.StreamId(id);
        var lastEventId = ServerSentEvents.ParseLastEventId(httpContext.Request);
        if (state.IsTerminal && lastEventId > 0 && (await eventLog.ReadAsync(tenant.Value, streamId, lastEventId, 1, cancellationToken)).Count == 0)
        {
            return ServerSentEvents.Empty();
        }

        return events.Stream(httpContext, tenant.Value, streamId, WorkflowEvents.IsFinal);
    }

    internal static async Task<Results<Ok<CancelResult>, ProblemHttpResult>> CancelAsync(
        string id, TenantId tenant, WorkflowService workflows, CancellationToken cancellationToken)
    {
        var cancelled = await workflows.CancelAsync(tenant.Value, id, cancellationToken: cancellationToken);
        if (cancelled is null)
        {
            return NotFound(id);
        }

        var state = await workflows.GetAsync(tenant.Value, id, cancellationToken);
        return TypedResults.Ok(new CancelResult(id, cancelled.Value, state?.Status ?? WorkflowStatus.Cancelled));
    }

    private static bool WantsEventStream(HttpRequest request) =>
        request.Headers.Accept.Any(value => value?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);

    private static QueryResult ToResult(WorkflowState state) => new(
        state.WorkflowId,
        state.SessionId,
        state.OriginalQuery,
        state.Status,
        state.Answer?.Answer,
        state.Answer?.Citations ?? [],
        state.Answer?.Warnings ?? state.Warnings,
        state.Answer?.Mode,
        state.Answer?.CitationSupportRate,
        state.Error);

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "Invalid query");

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Query not found", detail: $"No query '{id}' exists for this tenant.");

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
