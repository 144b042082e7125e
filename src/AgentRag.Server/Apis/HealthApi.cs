using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Pipeline;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/health/live</c> (the process is up), <c>/health/ready</c> (the store is writable and pdftotext is present)
/// and <c>/health/startup</c> (migrations ran and interrupted ingestions were resumed). Each check is reported by name,
/// with a description that names no absolute path: the probes answer unauthenticated callers.
/// </summary>
public static class HealthApi
{
    private const string ReadyTag = Storage.Sqlite.DependencyInjection.ReadyTag;
    private const string StartupTag = "startup";

    public static IServiceCollection AddAgentRagHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DataFolderWritableCheck>("data-folder", tags: [ReadyTag])
            .AddCheck<PdfToTextCheck>("pdftotext", tags: [ReadyTag])
            .AddCheck<StartupCheck>("recovery", tags: [StartupTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteReportAsync }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteReportAsync }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/startup", new HealthCheckOptions { Predicate = c => c.Tags.Contains(StartupTag), ResponseWriter = WriteReportAsync }).AllowAnonymous().DisableRateLimiting();
        return app;
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description, durationMs = e.Value.Duration.TotalMilliseconds }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary>Writes and deletes a probe file in the data folder (the database itself is the storage's <c>sqlite</c> check).</summary>
    private sealed class DataFolderWritableCheck(DataFolder dataFolder) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var probe = Path.Combine(dataFolder.Root, ".health-probe");
                await File.WriteAllTextAsync(probe, "ok", cancellationToken);
                File.Delete(probe);
                return HealthCheckResult.Healthy("The data folder is writable.");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The exception (with the path) goes to the log; the unauthenticated response names no path.
                return HealthCheckResult.Unhealthy(
                    $"The data folder is not writable: {ex.Message.Replace(dataFolder.Root, "<data>", StringComparison.Ordinal)}", ex);
            }
        }
    }

    /// <summary>Finds <c>pdftotext</c> on the PATH.</summary>
    private sealed class PdfToTextCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "pdftotext"))
                .FirstOrDefault(File.Exists);
            return Task.FromResult(found is not null
                ? HealthCheckResult.Healthy("pdftotext is on the PATH.")
                : HealthCheckResult.Unhealthy("pdftotext is not on the PATH: install poppler-utils."));
        }
    }

    /// <summary>Healthy once the database is migrated and interrupted ingestions are queued again.</summary>
    private sealed class StartupCheck(IngestionWorker worker, IDocumentStore store) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            _ = store; // resolving the store opened and migrated the database
            return Task.FromResult(worker.Recovered.IsCompletedSuccessfully
                ? HealthCheckResult.Healthy("Migrations applied; interrupted ingestions resumed.")
                : HealthCheckResult.Unhealthy("Resuming interrupted ingestions."));
        }
    }
}
