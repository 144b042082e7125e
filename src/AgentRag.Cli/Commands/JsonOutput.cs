using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRag.Cli.Commands;

/// <summary>The CLI's JSON conventions: camelCase names, enums as lower-case strings, nulls kept.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void WriteLine<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Options));

    public static void WriteIndented<T>(T value) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(value, new JsonSerializerOptions(Options) { WriteIndented = true }));
}
