using System.Text.Json;
using AgentRag.Core.Serialization;

namespace AgentRag.Cli.Commands;

/// <summary>Writes <c>--json</c> output with the product's JSON conventions (<see cref="AgentRagJson"/>).</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new(AgentRagJson.Options) { WriteIndented = true };

    public static void WriteLine<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, AgentRagJson.Options));

    public static void WriteIndented<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>A report: one line with <c>--json</c> (for scripts), indented otherwise (for people).</summary>
    public static void WriteReport<T>(T report, bool json)
    {
        if (json)
        {
            WriteLine(report);
        }
        else
        {
            WriteIndented(report);
        }
    }
}
