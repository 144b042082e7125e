using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRag.Core.Serialization;

/// <summary>The JSON conventions of every public surface (HTTP, CLI <c>--json</c>, MCP): camelCase names and
/// enums as snake_case strings (<c>"ready"</c>, <c>"awaiting_approval"</c>).</summary>
public static class AgentRagJson
{
    /// <summary>Shared, read-only options with the conventions applied.</summary>
    public static JsonSerializerOptions Options { get; } = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// The options for reading request bodies of AgentRag's own routes: the conventions, plus an unknown member is an
    /// error (<see cref="JsonUnmappedMemberHandling.Disallow"/>), so a misspelled field cannot silently do nothing, and
    /// enum fields are read by <see cref="EnumNames"/> (<see cref="EnumNameConverter"/>), as query strings and CLI
    /// options are. Not for bodies defined by others (the OpenAI-compatible route accepts fields it does not model).
    /// </summary>
    public static JsonSerializerOptions Requests { get; } = CreateRequests();

    /// <summary>The deepest nesting <see cref="Requests"/> reads; deeper input is a <see cref="JsonException"/>, not a stack dive.</summary>
    public const int MaxRequestDepth = 16;

    /// <summary>Applies the conventions to <paramref name="options"/> (e.g. ASP.NET Core's HTTP JSON options).</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }

    private static JsonSerializerOptions CreateRequests()
    {
        var options = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        options.Converters.Insert(0, new EnumNameConverter());
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.MaxDepth = MaxRequestDepth;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
