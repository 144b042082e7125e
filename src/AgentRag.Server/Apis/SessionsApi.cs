using System.ComponentModel;
using AgentRag.Agents.Sessions;
using AgentRag.Core.Sessions;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/sessions</c>: the tenant's conversations, most recently used first (the console's history), and
/// <c>/v1/sessions/{id}</c>: a conversation's last turns (question, the standalone question that ran, answer, workflow id)
/// and its deletion. Sessions are tenant-scoped: another tenant's session, an expired one and a malformed id are all 404.
/// </summary>
public static class SessionsApi
{
    public static RouteGroupBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/sessions").WithTags("Sessions").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapGet("/", ListAsync).WithName("ListSessions").WithSummary("The tenant's conversations, most recently used first, one page at a time.")
            .ProducesValidationProblem();
        api.MapGet("/{id}", GetAsync).WithName("GetSession").WithSummary("A conversation's turns.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{id}", DeleteAsync).WithName("DeleteSession").WithSummary("Delete a conversation.").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>The query string of <c>GET /v1/sessions</c>.</summary>
    public sealed record SessionListFilter(
        [property: FromQuery(Name = "offset"), Description("Sessions to skip (default 0).")] int? Offset = null,
        [property: FromQuery(Name = "limit"), Description("Most sessions to return, 1 to 200 (default 50).")] int? Limit = null);

    /// <summary>One page of the tenant's sessions (newest first) and how many it has.</summary>
    public sealed record SessionListResponse(IReadOnlyList<SessionSummary> Items, int Total, int Offset, int Limit);

    /// <summary>A session as the API returns it.</summary>
    public sealed record SessionResult(string SessionId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, IReadOnlyList<SessionTurn> Turns);

    internal static async Task<Results<Ok<SessionListResponse>, ValidationProblem>> ListAsync(
        TenantId tenant, ConversationService conversations, [AsParameters] SessionListFilter filter, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (filter.Offset is < 0)
        {
            errors["offset"] = [$"offset must be 0 or more; got {filter.Offset}."];
        }

        if (filter.Limit is < 1 or > MaxListLimit)
        {
            errors["limit"] = [$"limit must be between 1 and {MaxListLimit}; got {filter.Limit}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid session list request");
        }

        var (offset, limit) = (filter.Offset ?? 0, filter.Limit ?? 50);
        var list = await conversations.ListSessionsAsync(tenant.Value, offset, limit, cancellationToken);
        return TypedResults.Ok(new SessionListResponse(list.Items, list.Total, offset, limit));
    }

    private const int MaxListLimit = 200;

    internal static async Task<Results<Ok<SessionResult>, ProblemHttpResult>> GetAsync(
        string id, TenantId tenant, HttpContext httpContext, ConversationService conversations, CancellationToken cancellationToken)
    {
        var session = await conversations.GetSessionAsync(tenant.Value, id, cancellationToken);
        if (session is null)
        {
            return NotFound(id);
        }

        httpContext.Response.Headers[SessionIds.HeaderName] = session.Id;
        return TypedResults.Ok(new SessionResult(session.Id, session.CreatedAt, session.UpdatedAt, session.ExpiresAt, session.Turns));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, TenantId tenant, ConversationService conversations, CancellationToken cancellationToken) =>
        await conversations.DeleteSessionAsync(tenant.Value, id, cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Session not found",
            detail: $"No session '{id}' exists for this tenant (sessions expire after their time to live, AgentRag:Sessions:TimeToLive).");
}
