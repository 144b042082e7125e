using AgentRag.Server.Hosting;
using AgentRag.Server.Security;

namespace AgentRag.Server.Dashboard;

/// <summary>Wiring of the admin dashboard's live figures.</summary>
public static class DashboardExtensions
{
    /// <summary>Registers <see cref="DashboardOptions"/> (validated at start) and <see cref="LiveMetrics"/>.</summary>
    public static IServiceCollection AddAgentRagDashboard(this IServiceCollection services)
    {
        services.AddOptions<DashboardOptions>()
            .BindConfiguration(DashboardOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<LiveMetrics>();
        return services;
    }

    /// <summary>
    /// Counts every <c>/v1</c> request, and its caller as an active user, for the tenant it acts for (after
    /// authentication, so the caller is known; a request the rate limiter or authorization refuses still counts).
    /// </summary>
    public static IApplicationBuilder UseAgentRagLiveMetrics(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var live = app.ApplicationServices.GetRequiredService<LiveMetrics>();
        return app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
            {
                live.RecordRequest(TenantEndpointFilter.Resolve(context), AgentRagClaims.CallerOf(context.User));
            }

            return next(context);
        });
    }
}
