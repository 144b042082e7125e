using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentRag.Server.Telemetry;

/// <summary>
/// Tracing and metrics. Spans of the <c>AgentRag.*</c> sources, ASP.NET Core and HttpClient are always recorded (so
/// every log line carries a <c>trace_id</c>) and are exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class TelemetrySetup
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary><c>grpc</c> (the default) or <c>http/protobuf</c>, as in the OpenTelemetry specification.</summary>
    public const string OtlpProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

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

    /// <summary>
    /// Names each request's span <c>{method} {route}</c> and tags it with the semantic-convention HTTP attributes
    /// (ASP.NET Core's native activity carries none without the instrumentation package), and counts the request
    /// by route and status code.
    /// </summary>
    public static IApplicationBuilder UseAgentRagRequestTelemetry(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                var status = context.Response.StatusCode;
                if (Activity.Current is { } activity)
                {
                    activity.DisplayName = $"{context.Request.Method} {route}";
                    activity.SetTag("http.request.method", context.Request.Method);
                    activity.SetTag("http.route", route);
                    activity.SetTag("url.path", context.Request.Path.Value);
                    activity.SetTag("http.response.status_code", status);
                    if (status >= 500)
                    {
                        activity.SetStatus(ActivityStatusCode.Error);
                    }
                }

                HttpRequests.Add(1,
                    new KeyValuePair<string, object?>("http.route", route),
                    new KeyValuePair<string, object?>("http.response.status_code", status));
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
            var httpProtobuf = string.Equals(configuration[OtlpProtocolVariable], "http/protobuf", StringComparison.OrdinalIgnoreCase);
            var resource = ResourceBuilder.CreateDefault().AddService(configuration["OTEL_SERVICE_NAME"] ?? "agentrag");
            var tracing = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(ActivitySources)
                .SetSampler(new AlwaysOnSampler());
            if (!string.IsNullOrWhiteSpace(endpoint))
            {
                tracing.AddOtlpExporter(options => Configure(options, endpoint, httpProtobuf, "v1/traces"));
                _meter = Sdk.CreateMeterProviderBuilder()
                    .SetResourceBuilder(resource)
                    .AddMeter(Ingestion.Pipeline.IngestionTelemetry.Meter.Name, "AgentRag.*")
                    .AddOtlpExporter(options => Configure(options, endpoint, httpProtobuf, "v1/metrics"))
                    .Build();
            }

            _tracer = tracing.Build();
        }

        private static void Configure(OpenTelemetry.Exporter.OtlpExporterOptions options, string endpoint, bool httpProtobuf, string signalPath)
        {
            // Configured here from IConfiguration (which includes the environment) so settings also work from appsettings.
            options.Protocol = httpProtobuf ? OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf : OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;
            options.Endpoint = httpProtobuf ? new Uri(endpoint.TrimEnd('/') + "/" + signalPath) : new Uri(endpoint);
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
