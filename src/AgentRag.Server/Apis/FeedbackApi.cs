using AgentRag.Agents.Workflows;
using AgentRag.Core.Feedback;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/queries/{id}/feedback</c>: a caller's thumbs up or down (and optional comment) on a query's answer, attributed
/// to the workflow's prompt versions and models. The caller is the authenticated identity (the API key's id, the token's subject, or <c>local</c> in open mode); one
/// feedback per workflow and caller, a second one replaces the first.
/// </summary>
public static class FeedbackApi
{
    public static RouteGroupBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/queries").WithTags("Queries").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapPost("/{id}/feedback", SubmitAsync).WithName("SubmitFeedback").WithSummary("Rate a query's answer (up or down, with a comment).").DisableAntiforgery().RequireAuthorization(AuthPolicies.Member).Accepts<FeedbackBody>("application/json").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/feedback", GetAsync).WithName("GetFeedback").WithSummary("The feedback given on a query's answer.").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>The request body: <c>up</c> or <c>down</c>, and an optional comment of up to 2,000 characters.</summary>
    public sealed record FeedbackBody(string? Rating, string? Comment = null);

    /// <summary>Stored feedback; <see cref="Replaced"/> is true when it replaced the caller's earlier feedback.</summary>
    public sealed record FeedbackResult(
        string WorkflowId, string User, AnswerRating Rating, string? Comment, IReadOnlyList<PromptVersionRef> Prompts, IReadOnlyList<string> Models,
        DateTimeOffset CreatedAt, bool Replaced);

    internal static async Task<Results<Ok<FeedbackResult>, ProblemHttpResult, ValidationProblem>> SubmitAsync(
        string id, TenantId tenant, HttpContext httpContext, WorkflowService workflows, AnswerFeedbackService feedback, CancellationToken cancellationToken)
    {
        var workflow = await workflows.GetAsync(tenant.Value, id, cancellationToken);
        if (workflow is null)
        {
            return NotFound(id);
        }

        var (body, problem) = await JsonBody.ReadAsync<FeedbackBody>(httpContext.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            var (stored, replaced) = await feedback.SubmitAsync(workflow, UserOf(httpContext), body!.Rating, body.Comment, cancellationToken);
            return TypedResults.Ok(ToResult(stored, replaced));
        }
        catch (FeedbackRejectedException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ex.Field] = [ex.Message] }, detail: ex.Message, title: "Invalid feedback");
        }
    }

    internal static async Task<Results<Ok<FeedbackResult>, ProblemHttpResult>> GetAsync(
        string id, TenantId tenant, HttpContext httpContext, WorkflowService workflows, IAnswerQualityStore store, CancellationToken cancellationToken)
    {
        if (await workflows.GetAsync(tenant.Value, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var user = UserOf(httpContext);
        return await store.GetFeedbackAsync(tenant.Value, id, user, cancellationToken) is { } stored
            ? TypedResults.Ok(ToResult(stored, replaced: false))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Feedback not found",
                detail: $"User '{user}' has given no feedback on query '{id}'.");
    }

    private static string UserOf(HttpContext httpContext) => AgentRagClaims.CallerOf(httpContext.User);

    private static FeedbackResult ToResult(AnswerFeedback stored, bool replaced) =>
        new(stored.WorkflowId, stored.UserId, stored.Rating, stored.Comment, stored.Prompts, stored.Models, stored.CreatedAt, replaced);

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Query not found", detail: $"No query '{id}' exists for this tenant.");
}
