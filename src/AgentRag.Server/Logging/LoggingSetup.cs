using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace AgentRag.Server.Logging;

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
        logging.AddSimpleConsole(options => options.SingleLine = true);
        return logging;
    }
}
