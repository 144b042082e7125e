
using AgentRag.Core.Serialization;
using AgentRag.Core;
using AgentRag.Hosting.Logging;
using AgentRag.Hosting;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Monitoring;
using AgentRag.Runtime.Dapr;
using AgentRag.Server.Apis;
using AgentRag.Server.Auditing;
using AgentRag.Server.Branding;
using AgentRag.Server.Dashboard;
using AgentRag.Server.Limits;
using AgentRag.Server.Previews;
using AgentRag.Server.Security;
using AgentRag.Server.Sharing;
using AgentRag.Server.Streaming;
using AgentRag.Server.Telemetry;
using AgentRag.Server.Web;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Hosting;

/// <summary>Wiring of the HTTP host: <c>builder.AddAgentRag()</c> and <c>app.MapAgentRag()</c>.</summary>
public static class AgentRagWebApplicationExtensions
{
    /// <summary>Configuration key of the data folder (<c>--data</c> on the command line).</summary>
    public const string DataKey = "data";

    public static WebApplicationBuilder AddAgentRag(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var dataFolder = new DataFolder(DataDirectory.Resolve(configuration[DataKey] ?? configuration["AgentRag:Data"]));
        var logFormat = Enum.TryParse<LogFormat>(configuration["log-format"] ?? configuration["AgentRag:LogFormat"], ignoreCase: true, out var format)
            ? format
            : LogFormat.Json;
        builder.Logging.AddAgentRagConsole(logFormat, LogLevel.Information, configuration[LoggingSetup.ServiceNameVariable]);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Information);
        // Cluster mode: Orleans is chatty at Information; keep its warnings, and membership changes (joins, deaths).
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Runtime.MembershipService.MembershipTableManager", LogLevel.Information);

        if (string.Equals(configuration[AgentRagBuilder.RuntimeKey]?.Trim(), AgentRagBuilder.DaprRuntime, StringComparison.OrdinalIgnoreCase))
        {
            builder.Configuration.AddDaprSecrets(); // model API keys and JWT secrets from the Dapr secret store, before anything reads them
        }

        var services = builder.Services;
        services.AddAgentRag(backends => backends.UseConfiguration(configuration, dataFolder));
        services.AddApiKeys();
        services.AddAgentRagSecurity();
        services.AddAgentRagLimits();
        services.AddAgentRagAudit();
        services.AddMonitoring();
        services.AddAgentRagDashboard();
        services.AddSingleton<Privacy.TenantDataService>();
        services.AddSharingAndPreviews();
        services.AddOptions<ServerOptions>()
            .BindConfiguration(ServerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ServerSentEvents>();
        services.AddHostedService<DocumentEventRecorder>();
        services.AddHostedService<IndexSnapshotOnShutdown>();
        services.AddHostedService<SearchCacheReadyInvalidation>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestionWorker>());
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddingWorker>());
        services.AddHostedService<ScratchSweeper>();
        services.ConfigureHttpJsonOptions(options => AgentRagJson.Apply(options.SerializerOptions));
        services.AddProblemDetails();
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonFallbackWriter>(); // after the default writer: see the class
        services.AddAgentRagHttpSecurity();
        services.AddAgentRagOpenApi();
        services.AddMcpApi();
        services.AddAgentRagHealthChecks();
        services.AddAgentRagTelemetry(configuration);
        builder.AddConsole();

        // Uploads: Kestrel refuses bodies over ~30 MB by default. Allow a full batch of maximum-size files; the
        // upload handler enforces the per-file limit itself while streaming each part to disk.
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<IngestionOptions>, IOptions<ServerOptions>>((kestrel, ingestion, server) =>
            {
                kestrel.Limits.MaxRequestBodySize = UploadBodyLimit(ingestion.Value, server.Value);
                kestrel.Limits.MaxRequestHeadersTotalSize = server.Value.MaxRequestHeadersBytes * 2;
            });
        services.AddOptions<FormOptions>()
            .Configure<IOptions<IngestionOptions>, IOptions<ServerOptions>>((form, ingestion, server) =>
            {
                form.MultipartBodyLengthLimit = UploadBodyLimit(ingestion.Value, server.Value);
                form.ValueCountLimit = server.Value.MaxFilesPerUpload * 4 + 16;
            });
        return builder;
    }

    public static WebApplication MapAgentRag(this WebApplication app)
    {
        app.UseConsolePageRoutes();
        app.UseRouting();
        app.UseAgentRagHttpSecurity();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAgentRagAuthenticationAudit();
        app.UseAuthentication();
        app.UseAgentRagLiveMetrics();
        app.UseAgentRagRateLimits();
        app.UseAgentRagRequestLimits();
        app.UseAuthorization();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().DisableRateLimiting();
        app.MapHealthApi();
        app.MapDocumentsApi();
        app.MapSearchApi();
        app.MapUsageApi();
        app.MapAlertsApi();
        app.MapDashboardApi();
        app.MapErrorsApi();
        app.MapPromptsApi();
        app.MapQueriesApi();
        app.MapSharesApi();
        app.MapBrandingApi();
        app.MapSessionsApi();
        app.MapChatCompletionsApi();
        app.MapFeedbackApi();
        app.MapApprovalsApi();
        app.MapMcpApi();
        app.MapKeysApi();
        app.MapLimitsApi();
        app.MapAuditApi();
        app.MapTenantApi();
        app.MapAuthStatusApi();
        app.MapMetricsApi();
        app.MapConsole();
        app.MapDaprRuntime(); // the sidecar's calls into hosted actors, with AgentRag:Runtime=dapr only
        return app;
    }

    /// <summary>Share links, page images and branding (docs/adr/0038-share-links-and-page-images.md).</summary>
    private static IServiceCollection AddSharingAndPreviews(this IServiceCollection services)
    {
        services.AddOptions<SharingOptions>().BindConfiguration(SharingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PageImageOptions>().BindConfiguration(PageImageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BrandingOptions>().BindConfiguration(BrandingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ShareLinkService>();
        services.AddSingleton<PageImageCache>();
        return services;
    }

    private static long UploadBodyLimit(IngestionOptions ingestion, ServerOptions server) =>
        checked((ingestion.MaxFileBytes + (64 * 1024)) * server.MaxFilesPerUpload) + (1024 * 1024);
}
