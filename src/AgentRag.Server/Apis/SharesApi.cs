using System.ComponentModel;
using AgentRag.Agents;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Sharing;
using AgentRag.Server.Auditing;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.Server.Sharing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRag.Server.Apis;

/// <summary>
/// Share links (docs/security.md, "Share links"): a member shares one answer (<c>POST /v1/queries/{id}/share</c>) as a
/// signed token that expires; anyone with the token reads that answer, and only it, without signing in
/// (<c>GET /v1/shared/{token}</c>); a tenant admin lists and revokes the tenant's links (<c>/v1/shares</c>).
/// </summary>
public static class SharesApi
{
    /// <summary>Most links one list request returns.</summary>
    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapSharesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/queries/{id}/share", CreateAsync).WithTags("Shares").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Member)
            .WithName("ShareQuery").WithSummary("Create a read-only link to a query's answer, as a signed token that expires.")
            .DisableAntiforgery().Accepts<ShareBody>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .Audited(AuditActions.ShareCreate);

        var admin = app.MapGroup("/v1/shares").WithTags("Shares").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        admin.MapGet("/", ListAsync).WithName("ListShares").WithSummary("The tenant's share links, newest first (never their tokens).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        admin.MapDelete("/{id}", RevokeAsync).WithName("RevokeShare").WithSummary("Revoke a share link: its token stops working at once.")
            .ProducesProblem(StatusCodes.Status404NotFound).Audited(AuditActions.ShareRevoke);

        app.MapGet("/v1/shared/{token}", GetSharedAsync).WithTags("Shares").AllowAnonymous()
            .WithName("GetSharedAnswer").WithSummary("The answer a share token opens, read-only and without signing in.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status410Gone);
        return app;
    }

    /// <summary>A link to create: how long it works, in hours (default <c>AgentRag:Sharing:DefaultLifetime</c>).</summary>
    public sealed record ShareBody(double? ExpiresInHours = null);

    /// <summary>A share link's record (never its token).</summary>
    public sealed record ShareResponse(
        string Id, string WorkflowId, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, string State)
    {
        public static ShareResponse From(ShareLink link, DateTimeOffset now) => new(
            link.Id, link.WorkflowId, link.CreatedBy, link.CreatedAt, link.ExpiresAt, link.RevokedAt,
            link.RevokedAt is not null ? "revoked" : link.IsActiveAt(now) ? "active" : "expired");
    }

    /// <summary>A created link: <see cref="Token"/> is shown this once; <see cref="Path"/> is the console's page for it.</summary>
    public sealed record CreatedShareResponse(string Id, string WorkflowId, string Token, string Path, DateTimeOffset ExpiresAt);

    public sealed record ShareListResponse(IReadOnlyList<ShareResponse> Items);

    /// <summary>The query string of <c>GET /v1/shares</c>.</summary>
    public sealed record ShareFilter(
        [property: FromQuery(Name = "workflowId"), Description("Only links to this query.")] string? WorkflowId = null,
        [property: FromQuery(Name = "limit"), Description("Most links to return (1–500, default 100).")] int? Limit = null);

    /// <summary>What a share token shows: the question and its cited answer, nothing else of the tenant.</summary>
    public sealed record SharedAnswer(
        string Question, string Answer, IReadOnlyList<Citation> Citations, IReadOnlyList<string> Warnings, AnswerMode Mode,
        DateTimeOffset? AnsweredAt, DateTimeOffset ExpiresAt);

    internal static async Task<Results<Created<CreatedShareResponse>, ProblemHttpResult>> CreateAsync(
        string id, HttpContext httpContext, TenantId tenant, WorkflowService workflows, ShareLinkService shares, CancellationToken cancellationToken)
    {
        var lifetime = (TimeSpan?)null;
        if (httpContext.Request.ContentLength is not (null or 0) || httpContext.Request.HasJsonContentType())
        {
            var (body, problem) = await JsonBody.ReadAsync<ShareBody>(httpContext.Request, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            if (body!.ExpiresInHours is { } hours)
            {
                if (!double.IsFinite(hours) || hours <= 0 || hours > TimeSpan.MaxValue.TotalHours / 2)
                {
                    return JsonBody.Invalid($"'expiresInHours' must be a positive number of hours; got {hours}.");
                }

                lifetime = TimeSpan.FromHours(hours);
            }
        }

        var state = await workflows.GetAsync(tenant.Value, id, cancellationToken);
        if (state is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Query not found", detail: $"No query '{id}' exists for this tenant.");
        }

        if (state is not { Status: WorkflowStatus.Completed, Answer: not null })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No answer to share",
                detail: $"Query '{id}' is {state.Status.ToString().ToLowerInvariant()}; only a completed query's answer can be shared.");
        }

        IssuedShareLink issued;
        try
        {
            issued = await shares.CreateAsync(tenant.Value, id, AgentRagClaims.CallerOf(httpContext.User), lifetime, cancellationToken);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return JsonBody.Invalid($"'expiresInHours': {ex.Message.Split(" (Parameter", 2)[0]}");
        }

        var path = $"/shared/{issued.Token}";
        return TypedResults.Created(path, new CreatedShareResponse(issued.Link.Id, id, issued.Token, path, issued.Link.ExpiresAt));
    }

    internal static async Task<Results<Ok<ShareListResponse>, ProblemHttpResult>> ListAsync(
        TenantId tenant, ShareLinkService shares, TimeProvider time, [AsParameters] ShareFilter filter, CancellationToken cancellationToken)
    {
        var limit = filter.Limit ?? 100;
        if (limit is < 1 or > MaxLimit)
        {
            return JsonBody.Invalid($"'limit' must be between 1 and {MaxLimit}; got {limit}.");
        }

        var now = time.GetUtcNow();
        var links = await shares.ListAsync(tenant.Value, filter.WorkflowId, limit, cancellationToken);
        return TypedResults.Ok(new ShareListResponse([.. links.Select(link => ShareResponse.From(link, now))]));
    }

    internal static async Task<Results<Ok<ShareResponse>, ProblemHttpResult>> RevokeAsync(
        string id, TenantId tenant, ShareLinkService shares, TimeProvider time, CancellationToken cancellationToken) =>
        await shares.RevokeAsync(tenant.Value, id, cancellationToken) is { } revoked
            ? TypedResults.Ok(ShareResponse.From(revoked, time.GetUtcNow()))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Share link not found", detail: $"No share link '{id}' exists for this tenant.");

    internal static async Task<Results<Ok<SharedAnswer>, ProblemHttpResult>> GetSharedAsync(
        string token, HttpContext httpContext, ShareLinkService shares, WorkflowService workflows, CancellationToken cancellationToken)
    {
        // The answer is the tenant's data: no shared cache may keep it past a revocation.
        httpContext.Response.Headers.CacheControl = "no-store";
        var (link, rejection) = await shares.ResolveAsync(token, cancellationToken);
        switch (rejection)
        {
            case ShareLinkRejection.Unknown:
                return Gone(StatusCodes.Status404NotFound, "Share link not found", "This share link is not valid: check that it was copied whole.");
            case ShareLinkRejection.Revoked:
                return Gone(StatusCodes.Status410Gone, "Share link revoked", $"This share link was revoked on {link!.RevokedAt:yyyy-MM-dd HH:mm} UTC; ask its owner for a new one.");
            case ShareLinkRejection.Expired:
                return Gone(StatusCodes.Status410Gone, "Share link expired", $"This share link expired on {link!.ExpiresAt:yyyy-MM-dd HH:mm} UTC; ask its owner for a new one.");
        }

        // Only ever the tenant the signed token names.
        var state = await workflows.GetAsync(link!.TenantId, link.WorkflowId, cancellationToken);
        if (state?.Answer is not { } answer)
        {
            return Gone(StatusCodes.Status410Gone, "Answer no longer stored", "The shared answer has been deleted (retention or erasure).");
        }

        return TypedResults.Ok(new SharedAnswer(
            state.OriginalQuery ?? state.Query, answer.Answer, answer.Citations, answer.Warnings, answer.Mode, state.CompletedAt, link.ExpiresAt));

        static ProblemHttpResult Gone(int status, string title, string detail) => TypedResults.Problem(statusCode: status, title: title, detail: detail);
    }
}
