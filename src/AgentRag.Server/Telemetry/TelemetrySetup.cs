using AgentRag.Core.Telemetry;
using AgentRag.Server.Apis;
using AgentRag.Hosting.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentRag.Server.Telemetry;

/// <summary>
/// Tracing and metrics through the OpenTelemetry SDK (docs/adr/0032-observability.md):
/// <list type="bullet">
/// <item>Spans of the <c>AgentRag.*</c> sources, ASP.NET Core and HttpClient (their instrumentation packages); every span
/// is recorded (so every log line has a <c>trace_id</c>), a share of traces is sampled for export
/// (<see cref="TelemetryOptions.SamplingRatio"/>, parent-based), and spans that end in error are exported even in an
/// unsampled trace (<see cref="ErrorSpanKeeper"/>).</item>
/// <item>Metrics of the <c>AgentRag</c> meters (<see cref="AgentRagTelemetry.MeterNames"/>), ASP.NET Core and HttpClient,
/// scraped by Prometheus at <c>/metrics</c> (<see cref="MetricsApi"/>).</item>
/// <item>Both exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</item>
/// </list>
/// </summary>
public static class TelemetrySetup
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary><c>grpc</c> (the default) or <c>http/protobuf</c>, as in the OpenTelemetry specification.</summary>
    public const string OtlpProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    public static readonly string[] ActivitySources = ["AgentRag.*"];

    /// <summary>Registers the SDK, unless <see cref="TelemetryOptions.Enabled"/> is false (then nothing listens at all).</summary>
    public static IServiceCollection AddAgentRagTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<PrometheusOptions>()
            .BindConfiguration(PrometheusOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.ScrapeKeyFile is null || File.Exists(o.ScrapeKeyFile),
                $"{PrometheusOptions.SectionName}:{nameof(PrometheusOptions.ScrapeKeyFile)} names a file that does not exist.")
            .ValidateOnStart();
        services.AddSingleton<MetricsApi.ScrapeKey>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, MetricsApi.MetricsReaderHandler>();

        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
        {
            return services;
        }

        var endpoint = configuration[OtlpEndpointVariable];
        var httpProtobuf = string.Equals(configuration[OtlpProtocolVariable], "http/protobuf", StringComparison.OrdinalIgnoreCase);
        var otlp = !string.IsNullOrWhiteSpace(endpoint);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration[LoggingSetup.ServiceNameVariable] ?? LoggingSetup.DefaultServiceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(ActivitySources)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !MetricsApi.IsScrape(context))
                    .AddHttpClientInstrumentation()
                    .SetSampler(sp => new RecordAllSampler(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value.SamplingRatio));
                if (options.KeepErrors)
                {
                    // Before the exporter: it marks an unsampled error span as sampled, which the exporter then takes.
                    tracing.AddProcessor<ErrorSpanKeeper>();
                }

                if (otlp)
                {
                    tracing.AddOtlpExporter(o => ConfigureOtlp(o, endpoint!, httpProtobuf, "v1/traces"));
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AgentRagTelemetry.MeterNames)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter(o => ConfigureOtlp(o, endpoint!, httpProtobuf, "v1/metrics"));
                }
            });
        return services;
    }

    private static void ConfigureOtlp(OpenTelemetry.Exporter.OtlpExporterOptions options, string endpoint, bool httpProtobuf, string signalPath)
    {
        // Configured here from IConfiguration (which includes the environment) so settings also work from appsettings.
        options.Protocol = httpProtobuf ? OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf : OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;
        options.Endpoint = httpProtobuf ? new Uri(endpoint.TrimEnd('/') + "/" + signalPath) : new Uri(endpoint);
    }

    /// <summary>
    /// Parent-based ratio sampling that records what it does not sample (<see cref="SamplingDecision.RecordOnly"/>
    /// instead of <see cref="SamplingDecision.Drop"/>): every span exists, so log lines carry a trace id and an error span
    /// can still be exported (<see cref="ErrorSpanKeeper"/>); only sampled spans are exported otherwise.
    /// </summary>
    internal sealed class RecordAllSampler(double ratio) : Sampler
    {
        private readonly Sampler _sampler = new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
        {
            var result = _sampler.ShouldSample(samplingParameters);
            return result.Decision == SamplingDecision.Drop ? new SamplingResult(SamplingDecision.RecordOnly) : result;
        }
    }

    /// <summary>
    /// Keeps errors whatever the sampling: a span that ends with <see cref="System.Diagnostics.ActivityStatusCode.Error"/>
    /// is marked sampled as it ends, so the exporter (which takes only sampled spans) sends it. The rest of an unsampled
    /// trace is not sent: the SDK has no tail sampling, and this keeps the failing span itself, with its trace id.
    /// </summary>
    internal sealed class ErrorSpanKeeper : BaseProcessor<System.Diagnostics.Activity>
    {
        public override void OnEnd(System.Diagnostics.Activity data)
        {
            if (!data.Recorded && data.Status == System.Diagnostics.ActivityStatusCode.Error)
            {
                data.ActivityTraceFlags |= System.Diagnostics.ActivityTraceFlags.Recorded;
            }
        }
    }
}
