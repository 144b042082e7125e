using System.ComponentModel;
using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;
using AgentRag.Server.Auditing;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.Server.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/approvals</c>: the requests for a person's approval that paused workflows wait on. List and read them with
/// their context and audit trail, decide them (approve, reject, or approve with modified step inputs), follow the
/// tenant's notifications as server-sent events, and export the audit trail. The approver is the authenticated caller
/// (<see cref="AgentRagClaims.CallerOf"/>). A decision is final: a second gets 409 with the existing decision, deciding an
/// expired request gets 410.
/// </summary>
public static class ApprovalsApi
{
    public static RouteGroupBuilder MapApprovalsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/approvals").WithTags("Approvals").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin).WithEnumParameters();
        api.MapGet("/", ListAsync).WithName("ListApprovals").WithSummary("Requests for approval, filtered by status or workflow, one page at a time.");
        api.MapGet("/events", StreamEvents).WithName("StreamApprovalEvents").WithSummary("Follow the tenant's approval notifications (server-sent events; Last-Event-ID resumes).").Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        api.MapGet("/audit", ExportAuditAsync).WithName("ExportApprovalAudit").WithSummary("The approvals' audit trail, over a time range.");
        api.MapGet("/{id}", GetAsync).WithName("GetApproval").WithSummary("A request for approval, with its context.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/history", GetHistoryAsync).WithName("GetApprovalHistory").WithSummary("A request's audit trail.").ProducesProblem(StatusCodes.Status404NotFound);
        foreach (var (action, decision, audited, name, summary) in new[]
                 {
                     ("approve", ApprovalDecision.Approve, AuditActions.ApprovalApprove, "ApproveApproval", "Approve a request: the paused step runs."),
                     ("reject", ApprovalDecision.Reject, AuditActions.ApprovalReject, "RejectApproval", "Reject a request: the step does not run."),
                     ("modify", ApprovalDecision.Modify, AuditActions.ApprovalModify, "ModifyApproval", "Approve a request with modified step inputs."),
                 })
        {
            api.MapPost($"/{{id}}/{action}", (string id, TenantId tenant, HttpContext context, ApprovalService approvals, CancellationToken ct) =>
                    DecideAsync(id, decision, tenant, context, approvals, ct))
                .DisableAntiforgery()
                .Accepts<DecisionBody>("application/json")
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status410Gone)
                .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
                .Audited(audited)
                .WithName(name)
                .WithSummary(summary);
        }

        return api;
    }

    /// <summary>A decision's body: an optional comment, and for <c>modify</c> the step inputs to change.</summary>
    public sealed record DecisionBody(string? Comment = null, Dictionary<string, JsonElement>? Inputs = null);

    /// <summary>The query string of <c>GET /v1/approvals</c>.</summary>
    public sealed record ApprovalListFilter(
        [property: FromQuery(Name = "status"), Description("Only requests in this status.")] EnumParameter<ApprovalStatus>? Status = null,
        [property: FromQuery(Name = "workflowId"), Description("Only this workflow's requests.")] string? WorkflowId = null,
        [property: FromQuery(Name = "offset"), Description("Requests to skip (default 0).")] int? Offset = null,
        [property: FromQuery(Name = "limit"), Description("Most requests to return, 1 to 1000 (default 100).")] int? Limit = null);

    /// <summary>The query string of <c>GET /v1/approvals/audit</c>.</summary>
    public sealed record AuditRange(
        [property: FromQuery(Name = "from"), Description("Only entries at or after this time (ISO 8601).")] string? From = null,
        [property: FromQuery(Name = "to"), Description("Only entries before this time (ISO 8601).")] string? To = null,
        [property: FromQuery(Name = "limit"), Description("Most entries to return, 1 to 10000 (default 10000).")] int? Limit = null);

    /// <summary>One page of requests.</summary>
    public sealed record ApprovalList(IReadOnlyList<ApprovalRecord> Items, int Total, int Offset, int Limit);

    /// <summary>A request's audit trail.</summary>
    public sealed record ApprovalHistory(string ApprovalId, string WorkflowId, ApprovalStatus Status, IReadOnlyList<ApprovalAuditEntry> Entries);

    /// <summary>The tenant's audit export.</summary>
    public sealed record AuditExport(string TenantId, DateTimeOffset? From, DateTimeOffset? To, int Count, IReadOnlyList<ApprovalAuditEntry> Entries);

    internal static async Task<Results<Ok<ApprovalList>, ValidationProblem>> ListAsync(
        TenantId tenant, ApprovalService approvals, [AsParameters] ApprovalListFilter filter, CancellationToken cancellationToken)
    {
        var query = new ApprovalQuery(filter.Status?.Value, string.IsNullOrEmpty(filter.WorkflowId) ? null : filter.WorkflowId, filter.Offset ?? 0, filter.Limit ?? 100);
        if (query.Offset < 0)
        {
            return Invalid("offset", "offset must be 0 or more.");
        }

        if (query.Limit is < 1 or > 1000)
        {
            return Invalid("limit", "limit must be between 1 and 1000.");
        }

        var page = await approvals.ListAsync(tenant.Value, query, cancellationToken);
        return TypedResults.Ok(new ApprovalList(page.Items, page.Total, query.Offset, query.Limit));
    }

    internal static async Task<Results<Ok<ApprovalRecord>, ProblemHttpResult>> GetAsync(
        string id, TenantId tenant, ApprovalService approvals, CancellationToken cancellationToken) =>
        await approvals.GetAsync(tenant.Value, id, cancellationToken) is { } record ? TypedResults.Ok(record) : NotFound(id);

    internal static async Task<Results<Ok<ApprovalHistory>, ProblemHttpResult>> GetHistoryAsync(
        string id, TenantId tenant, ApprovalService approvals, CancellationToken cancellationToken)
    {
        var record = await approvals.GetAsync(tenant.Value, id, cancellationToken);
        if (record is null)
        {
            return NotFound(id);
        }

        var entries = await approvals.GetHistoryAsync(tenant.Value, id, cancellationToken) ?? [];
        return TypedResults.Ok(new ApprovalHistory(record.Id, record.WorkflowId, record.Status, entries));
    }

    internal static async Task<Results<Ok<AuditExport>, ValidationProblem>> ExportAuditAsync(
        TenantId tenant, ApprovalService approvals, [AsParameters] AuditRange range, CancellationToken cancellationToken)
    {
        if (!TimeParameter.TryParse(range.From, out var fromTime))
        {
            return Invalid("from", $"'{range.From}' is not a date and time (ISO 8601, e.g. 2025-03-14T09:00:00Z).");
        }

        if (!TimeParameter.TryParse(range.To, out var toTime))
        {
            return Invalid("to", $"'{range.To}' is not a date and time (ISO 8601, e.g. 2025-03-14T09:00:00Z).");
        }

        var max = range.Limit ?? 10_000;
        if (max is < 1 or > 10_000)
        {
            return Invalid("limit", "limit must be between 1 and 10000.");
        }

        var entries = await approvals.ExportAuditAsync(tenant.Value, fromTime, toTime, max, cancellationToken);
        return TypedResults.Ok(new AuditExport(tenant.Value, fromTime, toTime, entries.Count, entries));
    }

    /// <summary>An inbox follows the tenant's notifications until it disconnects; <c>Last-Event-ID</c> replays what it missed.</summary>
    internal static ServerSentEventsResult<string> StreamEvents(TenantId tenant, HttpContext httpContext, ServerSentEvents events) =>
        events.Stream(httpContext, tenant.Value, ApprovalEvents.TenantStreamId, static _ => false);

    internal static async Task<Results<Ok<ApprovalRecord>, ProblemHttpResult, ValidationProblem>> DecideAsync(
        string id, ApprovalDecision decision, TenantId tenant, HttpContext httpContext, ApprovalService approvals, CancellationToken cancellationToken)
    {
        DecisionBody? body = null;
        if (httpContext.Request.ContentLength is > 0 || httpContext.Request.Headers.ContentType.Count > 0)
        {
            var (value, problem) = await JsonBody.ReadAsync<DecisionBody>(httpContext.Request, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            body = value;
        }

        // The approver is the authenticated caller; no header can claim another identity.
        var request = new ApprovalDecisionRequest(decision, AgentRagClaims.CallerOf(httpContext.User), body?.Comment, body?.Inputs);
        var result = await approvals.DecideAsync(tenant.Value, id, request, cancellationToken);
        return result.Outcome switch
        {
            ApprovalDecisionOutcome.Applied => TypedResults.Ok(result.Record!),
            ApprovalDecisionOutcome.NotFound => NotFound(id),
            ApprovalDecisionOutcome.AlreadyDecided => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Already decided",
                detail: $"Approval {id} was {ApprovalText.Describe(result.Record!)}; a decision is final.",
                extensions: Extensions(result.Record!)),
            ApprovalDecisionOutcome.Expired => TypedResults.Problem(
                statusCode: StatusCodes.Status410Gone,
                title: "Approval expired",
                detail: $"Approval {id} expired at {result.Record!.Resolution?.DecidedAt ?? result.Record.ExpiresAt:u} without a decision; it can no longer be decided.",
                extensions: Extensions(result.Record)),
            ApprovalDecisionOutcome.InvalidInputs => TypedResults.Problem(new HttpValidationProblemDetails(result.Errors.ToDictionary())
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Invalid inputs",
                Detail = $"The modified inputs fail the input schema of agent '{result.Record!.Agent}' (step '{result.Record.StepId}'): {string.Join(" ", result.Errors.SelectMany(e => e.Value))}",
            }),
            ApprovalDecisionOutcome.Invalid => TypedResults.ValidationProblem(result.Errors.ToDictionary(), detail: string.Join(" ", result.Errors.SelectMany(e => e.Value)), title: "Invalid decision"),
            _ => throw new InvalidOperationException($"Unknown decision outcome {result.Outcome}."),
        };
    }

    private static Dictionary<string, object?> Extensions(ApprovalRecord record) => new()
    {
        ["approvalId"] = record.Id,
        ["status"] = EnumNames.Of(record.Status),
        ["decision"] = record.Resolution,
    };

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "Invalid request");

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Approval not found", detail: $"No approval '{id}' exists for this tenant.");
}
