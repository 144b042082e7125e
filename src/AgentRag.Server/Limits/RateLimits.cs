using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using AgentRag.Core.Coordination;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Limits;

/// <summary>
/// The per-credential rate limit: ASP.NET Core's rate-limiting middleware with one fixed window per caller and route
/// group (<see cref="LimitGroup"/>), on the injected <see cref="TimeProvider"/>. The caller is the credential (API key
/// id or JWT subject, with its tenant); without one (open mode, or a request that presents none) it is the client IP
/// (after the forwarded headers of a known proxy). A refusal is 429 with <c>Retry-After</c> and a ProblemDetails.
/// Endpoints marked <c>DisableRateLimiting()</c> (health, OpenAPI) are not limited. When the store is shared by replicas
/// (it registers an <see cref="IRateLimitCounter"/>), each window is counted there, so the limit holds cluster-wide
/// (<see cref="SharedFixedWindowRateLimiter"/>; ADR 0040).
/// </summary>
public static class RateLimits
{
    /// <summary>Registers <see cref="LimitsOptions"/>, <see cref="TenantQuotas"/> and the rate limiter's partitions.</summary>
    public static IServiceCollection AddAgentRagLimits(this IServiceCollection services)
    {
        services.AddOptions<LimitsOptions>()
            .BindConfiguration(LimitsOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate<IOptions<AuthOptions>>(
                (limits, auth) => limits.RateLimiting != false || auth.Value.Mode == AuthMode.Open,
                $"{LimitsOptions.SectionName}:{nameof(LimitsOptions.RateLimiting)} may be false only in open mode ({AuthOptions.SectionName}:{nameof(AuthOptions.Mode)}=Open).")
            .ValidateOnStart();
        services.AddSingleton<TenantQuotas>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<TimeProvider, IOptions<LimitsOptions>, IServiceProvider>((options, time, limits, provider) =>
            {
                var window = limits.Value.Window;
                // A backend shared by replicas (PostgreSQL) registers a counter, and the limit then holds cluster-wide.
                var shared = provider.GetService<IRateLimitCounter>();
                var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimits));
                options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, Partition>(context =>
                {
                    var partition = PartitionOf(context, limits.Value);
                    return RateLimitPartition.Get(partition, p => shared is null
                        ? new ClockFixedWindowRateLimiter(time, p.Permits, window)
                        : new SharedFixedWindowRateLimiter(shared, $"{p.Group}:{p.Caller}", time, p.Permits, window, logger));
                });
                options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                options.OnRejected = (rejected, _) => RejectAsync(rejected, limits.Value);
            });
        return services;
    }

    /// <summary>Adds the rate limiter to the pipeline (after authentication, so the caller is known) unless it is off.</summary>
    public static IApplicationBuilder UseAgentRagRateLimits(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
        return IsEnabled(limits, app.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value) ? app.UseRateLimiter() : app;
    }

    /// <summary>Whether requests are rate-limited: the setting, else on in required mode and off in open mode.</summary>
    public static bool IsEnabled(LimitsOptions limits, AuthOptions auth) => limits.RateLimiting ?? auth.Mode == AuthMode.Required;

    /// <summary>Puts the endpoint(s) in <paramref name="group"/>'s rate limit.</summary>
    public static TBuilder WithLimitGroup<TBuilder>(this TBuilder builder, LimitGroup group) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LimitGroupMetadata(group));

    private static Partition PartitionOf(HttpContext context, LimitsOptions limits)
    {
        var group = context.GetEndpoint()?.Metadata.GetMetadata<LimitGroupMetadata>()?.Group ?? LimitGroup.Requests;
        var tenant = TenantEndpointFilter.Resolve(context);
        return new Partition(group, CallerOf(context), limits.For(tenant).PerWindow(group), tenant);
    }

    private static string CallerOf(HttpContext context)
    {
        var user = context.User;
        return user.Identity?.IsAuthenticated == true && user.FindFirstValue(AgentRagClaims.Credential) is { } credential and not AgentRagClaims.OpenCredential
            ? $"{credential}:{AgentRagClaims.TenantOf(user)}:{AgentRagClaims.CallerOf(user)}"
            : $"ip:{context.Connection.RemoteIpAddress}";
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, LimitsOptions limits)
    {
        var context = rejected.HttpContext;
        var partition = PartitionOf(context, limits);
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limits.Window;
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var member = partition.Group switch
        {
            LimitGroup.Uploads => nameof(LimitsOptions.UploadsPerWindow),
            LimitGroup.Queries => nameof(LimitsOptions.QueriesPerWindow),
            _ => nameof(LimitsOptions.RequestsPerWindow),
        };
        var what = partition.Group == LimitGroup.Requests ? "requests" : $"{partition.Group.ToString().ToLowerInvariant()} requests";
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This caller may make {partition.Permits} {what} per {limits.Window} ({limits.SettingFor(partition.Tenant, member)}); retry after {seconds} s.",
                Extensions =
                {
                    ["limit"] = partition.Permits,
                    ["window"] = limits.Window.ToString("c", CultureInfo.InvariantCulture),
                    ["retryAfterSeconds"] = seconds,
                },
            },
        });
    }

    /// <summary>One rate-limit bucket: the caller in a route group, with the limit it was created with.</summary>
    private readonly record struct Partition(LimitGroup Group, string Caller, int Permits, string Tenant);

    /// <summary>The endpoint metadata <see cref="WithLimitGroup{TBuilder}"/> adds.</summary>
    internal sealed record LimitGroupMetadata(LimitGroup Group);
}
