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
    /// <summary>
    /// Sends every log line to standard error in the chosen format, so standard output stays free for results
    /// (<c>--json</c>) and for MCP's stdio transport.
    /// </summary>
    public static ILoggingBuilder AddAgentRagConsole(this ILoggingBuilder logging, LogFormat format, LogLevel minimumLevel)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(minimumLevel);
        logging.AddConsole(options =>
        {
            options.LogToStandardErrorThreshold = LogLevel.Trace;
            options.FormatterName = format == LogFormat.Json ? JsonLineConsoleFormatter.FormatterName : ConsoleFormatterNames.Simple;
        });
        logging.AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>();

        // Not AddSimpleConsole: it also sets the console's FormatterName to "simple", which would undo the choice above.
        logging.Services.Configure<SimpleConsoleFormatterOptions>(options => options.SingleLine = true);
        return logging;
    }
}
