using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using AgentRag.Core.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary>
/// Reads the JSON request body of AgentRag's own routes (<see cref="AgentRagJson.Requests"/>: an unknown member is an
/// error) and turns bad input into a 400 ProblemDetails that names the field and says what is wrong, with the field in
/// <c>errors</c> (ASP.NET Core's own binding answers a bare 400). The OpenAI-compatible route does not use it.
/// </summary>
public static partial class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported body",
                detail: "Send the request body as application/json."));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, AgentRagJson.Requests, cancellationToken);
            return value is null
                ? (null, Invalid("The request body is empty or null; send a JSON object."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Describe(typeof(T), ex));
        }
    }

    public static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);

    private static ProblemHttpResult Invalid(string field, string detail) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid request",
            Detail = detail,
        });

    /// <summary>
    /// Finds the member that <paramref name="ex"/>'s path points at in <paramref name="root"/>'s contract: an unknown
    /// member is named with the known ones; a known one gets the type it expects; malformed JSON gets its position.
    /// </summary>
    private static ProblemHttpResult Describe(Type root, JsonException ex)
    {
        // Malformed JSON is the reader's own exception, wrapped by the serializer with the position; conversion errors
        // are the serializer's.
        if (ex is not UnknownEnumValueException && (ex.GetType() != typeof(JsonException) || ex.InnerException is JsonException))
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : "";
            return Invalid($"The request body is not valid JSON{where}: {FirstSentence(ex.Message)}");
        }

        var info = AgentRagJson.Requests.GetTypeInfo(root);
        var path = new List<string>();
        foreach (Match segment in PathSegment().Matches(ex.Path ?? ""))
        {
            if (segment.Groups["index"].Success)
            {
                path[^1] += $"[{segment.Groups["index"].Value}]";
                info = info.ElementType is { } element ? AgentRagJson.Requests.GetTypeInfo(element) : info;
                continue;
            }

            var name = segment.Groups["name"].Success ? segment.Groups["name"].Value : segment.Groups["quoted"].Value;
            if (info.Kind == JsonTypeInfoKind.Dictionary)
            {
                path.Add(name);
                info = AgentRagJson.Requests.GetTypeInfo(info.ElementType!);
                continue;
            }

            if (info.Kind != JsonTypeInfoKind.Object || Property(info, name) is not { } property)
            {
                return UnknownMember(info, path, name);
            }

            path.Add(property.Name);
            info = AgentRagJson.Requests.GetTypeInfo(property.PropertyType);
        }

        // Disallowed members are reported at their parent's path in some cases: the name is in the message.
        if (UnmappedMember().Match(ex.Message) is { Success: true } unmapped)
        {
            return UnknownMember(info, path, unmapped.Groups["name"].Value);
        }

        if (path.Count == 0)
        {
            return Invalid($"The request body is invalid: {FirstSentence(ex.Message)}");
        }

        var field = string.Join('.', path);
        return ex is UnknownEnumValueException unknown
            ? Invalid(field, EnumNames.Unknown(unknown.EnumType, field, unknown.Value))
            : Invalid(field, $"Field '{field}' must be {Expected(info.Type)}.");
    }

    private static ProblemHttpResult UnknownMember(JsonTypeInfo info, List<string> path, string name)
    {
        var field = string.Join('.', path.Append(name));
        var known = info.Kind == JsonTypeInfoKind.Object ? string.Join(", ", info.Properties.Select(p => p.Name)) : "";
        var where = path.Count == 0 ? "the request body" : $"'{string.Join('.', path)}'";
        return Invalid(field, $"Unknown field '{field}': {where} has no member '{name}'. Known fields: {(known.Length == 0 ? "none" : known)}.");
    }

    private static JsonPropertyInfo? Property(JsonTypeInfo info, string name) =>
        info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, AgentRagJson.Requests.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return $"one of: {string.Join(", ", EnumNames.All(type))}";
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.String or TypeCode.Char => "a string",
            TypeCode.Boolean => "true or false",
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "an integer",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.DateTime => "a date and time (ISO 8601)",
            _ when type == typeof(DateOnly) => "a date (YYYY-MM-DD)",
            _ when type == typeof(DateTimeOffset) => "a date and time (ISO 8601)",
            _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss)",
            _ when type == typeof(JsonElement) => "a JSON value",
            _ => AgentRagJson.Requests.GetTypeInfo(type).Kind switch
            {
                JsonTypeInfoKind.Enumerable => "an array",
                JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
                _ => $"a {type.Name} value",
            },
        };
    }

    /// <summary>The first sentence of a serializer message (its later sentences name internal types and paths).</summary>
    internal static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathSegment();

    [GeneratedRegex(@"The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnmappedMember();
}
