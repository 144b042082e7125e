using System.Text.Json;

namespace AgentRag.Models;

/// <summary>The model layer's JSON settings (web defaults: camelCase, case-insensitive reads).</summary>
internal static class ModelJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
