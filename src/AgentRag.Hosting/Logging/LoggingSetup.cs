using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace AgentRag.Hosting.Logging;

/// <summary>The two log formats: one JSON object per line (default), or human-readable text.</summary>
public enum LogFormat
{
    Json,
    Text,
}

public static class LoggingSetup
{
    /// <summary>The environment variable (and configuration key) that names the service in logs and telemetry.</summary>
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>The service name when <see cref="ServiceNameVariable"/> is not set.</summary>
    public const string DefaultServiceName = "agentrag";

    /// <summary>
    /// Sends every log line to standard error in the chosen format, so standard output stays free for results
    /// (<c>--json</c>) and for MCP's stdio transport.
    /// </summary>
    /// <remarks>Each JSON line carries <c>service</c>: <paramref name="service"/>, else <see cref="DefaultServiceName"/>.</remarks>
    public static ILoggingBuilder AddAgentRagConsole(this ILoggingBuilder logging, LogFormat format, LogLevel minimumLevel, string? service = null)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(minimumLevel);
        logging.AddConsole(options =>
        {
            options.LogToStandardErrorThreshold = LogLevel.Trace;
            options.FormatterName = format == LogFormat.Json ? JsonLineConsoleFormatter.FormatterName : ConsoleFormatterNames.Simple;
        });
        logging.AddConsoleFormatter<JsonLineConsoleFormatter, JsonLineConsoleFormatterOptions>(options =>
            options.Service = string.IsNullOrWhiteSpace(service) ? DefaultServiceName : service);

        // Not AddSimpleConsole: it also sets the console's FormatterName to "simple", which would undo the choice above.
        logging.Services.Configure<SimpleConsoleFormatterOptions>(options => options.SingleLine = true);
        return logging;
    }
}
