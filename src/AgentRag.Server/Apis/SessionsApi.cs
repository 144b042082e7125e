using AgentRag.Agents.Sessions;
using AgentRag.Core.Sessions;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/sessions/{id}</c>: a conversation's last turns (question, the standalone question that ran, answer, workflow id)
/// and its deletion. Sessions are tenant-scoped: another tenant's session, an expired one and a malformed id are all 404.
/// </summary>
public static class SessionsApi
{
    public static RouteGroupBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/sessions").WithTags("Sessions").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapGet("/{id}", GetAsync).WithName("GetSession").WithSummary("A conversation's turns.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{id}", DeleteAsync).WithName("DeleteSession").WithSummary("Delete a conversation.").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>A session as the API returns it.</summary>
    public sealed record SessionResult(string SessionId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, IReadOnlyList<SessionTurn> Turns);

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
