using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace AgentRag.Hosting.Logging;

/// <summary>
/// Writes one JSON object per line: <c>timestamp</c>, <c>level</c>, <c>service</c>, <c>category</c>, <c>message</c>, and, when known,
/// <c>tenant</c> (from a logging scope or structured state named <c>TenantId</c>), <c>trace_id</c> and <c>span_id</c>
/// (from <see cref="Activity.Current"/>), the remaining structured properties, and <c>exception</c>.
/// </summary>
public sealed class JsonLineConsoleFormatter(IOptionsMonitor<JsonLineConsoleFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "agentrag-json";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", LevelName(logEntry.LogLevel));
            json.WriteString("service", options.CurrentValue.Service);
            json.WriteString("category", logEntry.Category);
            json.WriteString("message", message);

            var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
            scopeProvider?.ForEachScope(static (scope, props) => Collect(scope, props), properties);
            Collect(logEntry.State, properties);

            if (properties.Remove("TenantId", out var tenant) && tenant is not null)
            {
                json.WriteString("tenant", tenant.ToString());
            }

            if (Activity.Current is { } activity)
            {
                json.WriteString("trace_id", activity.TraceId.ToHexString());
                json.WriteString("span_id", activity.SpanId.ToHexString());
            }

            foreach (var (key, value) in properties)
            {
                json.WriteString(ToSnakeCase(key), Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            }

            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception", exception.ToString());
            }

            json.WriteEndObject();
        }

        textWriter.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        textWriter.Write('\n');
    }

    private static void Collect(object? state, Dictionary<string, object?> properties)
    {
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, value) in pairs)
            {
                if (key != "{OriginalFormat}")
                {
                    properties[key] = value;
                }
            }
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    private static string ToSnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}

/// <summary>Options of <see cref="JsonLineConsoleFormatter"/>.</summary>
public sealed class JsonLineConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>The <c>service</c> field of every line (<c>OTEL_SERVICE_NAME</c>, default <c>agentrag</c>).</summary>
    public string Service { get; set; } = LoggingSetup.DefaultServiceName;
}
