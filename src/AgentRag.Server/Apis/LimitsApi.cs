using AgentRag.Server.Hosting;
using AgentRag.Server.Limits;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Apis;

/// <summary><c>GET /v1/tenant/limits</c>: the caller's tenant's rate limits and quotas with their use.</summary>
public static class LimitsApi
{
    public static RouteGroupBuilder MapLimitsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/tenant/limits").WithTags("Limits").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapGet("/", GetAsync).WithName("GetTenantLimits").WithSummary("The tenant's rate limits and quotas, with what it uses of each.");
        return api;
    }

    /// <summary>The rate limits per credential and window (<see cref="Enabled"/> false: not enforced on this server).</summary>
    public sealed record RateLimitsResponse(bool Enabled, TimeSpan Window, int RequestsPerWindow, int UploadsPerWindow, int QueriesPerWindow);

    public sealed record LimitsResponse(string Tenant, RateLimitsResponse RateLimits, IReadOnlyList<QuotaUse> Quotas);

    internal static async Task<Ok<LimitsResponse>> GetAsync(
        TenantId tenant, TenantQuotas quotas, IOptions<LimitsOptions> options, IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        var limits = options.Value.For(tenant.Value);
        var rate = new RateLimitsResponse(RateLimits.IsEnabled(options.Value, auth.Value), options.Value.Window,
            limits.RequestsPerWindow, limits.UploadsPerWindow, limits.QueriesPerWindow);
        return TypedResults.Ok(new LimitsResponse(tenant.Value, rate, await quotas.GetAsync(tenant.Value, cancellationToken)));
    }
}
