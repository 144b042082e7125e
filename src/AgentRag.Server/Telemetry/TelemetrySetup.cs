using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentRag.Server.Telemetry;

/// <summary>
/// Tracing and metrics. Spans of the <c>AgentRag.*</c> sources, ASP.NET Core and HttpClient are always recorded (so
/// every log line carries a <c>trace_id</c>) and are exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class TelemetrySetup
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static readonly string[] ActivitySources = ["AgentRag.*", "Microsoft.AspNetCore", "System.Net.Http"];

    public static readonly ActivitySource ServerActivitySource = new("AgentRag.Server");

    public static readonly Counter<long> HttpRequests = Ingestion.Pipeline.IngestionTelemetry.Meter
        .CreateCounter<long>("agentrag.http.requests", description: "HTTP requests handled, by route and status.");

    public static IServiceCollection AddAgentRagTelemetry(this IServiceCollection services, ILoggingBuilder logging)
    {
        _ = logging;
        services.AddSingleton(sp => new TelemetryProviders(sp.GetRequiredService<IConfiguration>()));
        services.AddHostedService<TelemetryStarter>();
        return services;
    }

    /// <summary>Counts each request by its route template and status code.</summary>
    public static IApplicationBuilder UseAgentRagRequestMetrics(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                HttpRequests.Add(1,
                    new KeyValuePair<string, object?>("http.route", route),
                    new KeyValuePair<string, object?>("http.response.status_code", context.Response.StatusCode));
            }
        });

    /// <summary>Owns the tracer and meter providers for the host's lifetime.</summary>
    public sealed class TelemetryProviders : IDisposable
    {
        private readonly TracerProvider _tracer;
        private readonly MeterProvider? _meter;

        public TelemetryProviders(IConfiguration configuration)
        {
            var endpoint = configuration[OtlpEndpointVariable];
            var tracing = Sdk.CreateTracerProviderBuilder()
                .AddSource(ActivitySources)
                .SetSampler(new AlwaysOnSampler());
            if (!string.IsNullOrWhiteSpace(endpoint))
            {
                tracing.AddOtlpExporter();
                _meter = Sdk.CreateMeterProviderBuilder()
                    .AddMeter(Ingestion.Pipeline.IngestionTelemetry.Meter.Name)
                    .AddOtlpExporter()
                    .Build();
            }

            _tracer = tracing.Build();
        }

        public bool ForceFlush(int timeoutMilliseconds = 5000) => _tracer.ForceFlush(timeoutMilliseconds);

        public void Dispose()
        {
            _tracer.Dispose();
            _meter?.Dispose();
        }
    }

    /// <summary>Creates the providers when the host starts, so spans are recorded from the first request.</summary>
    private sealed class TelemetryStarter(TelemetryProviders providers) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = providers;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            providers.ForceFlush();
            return Task.CompletedTask;
        }
    }
}
