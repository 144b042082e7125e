using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRag.Agents.Plans;

/// <summary>The JSON type of one agent input.</summary>
public enum InputType
{
    String,
    Integer,
    Number,
    Boolean,
    Object,
    StringArray,
}

/// <summary>One declared input of an agent.</summary>
public sealed record InputProperty(
    string Name,
    InputType Type,
    string Description,
    bool Required = false,
    double? Minimum = null,
    double? Maximum = null,
    int? MaxLength = null);

/// <summary>One input that fails its schema: the input's name and the problem, in a phrase naming it.</summary>
public sealed record InputError(string Field, string Message);

/// <summary>
/// The inputs an agent accepts: a small JSON-Schema subset (typed properties, required, numeric ranges, string
/// length) that is enough to check a plan and to describe the agents to a model planner. Unknown inputs are refused
/// so that a misspelled name fails instead of being ignored. Immutable and thread-safe.
/// </summary>
public sealed class InputSchema
{
    public InputSchema(params IReadOnlyList<InputProperty> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        Properties = properties;
    }

    public IReadOnlyList<InputProperty> Properties { get; }

    /// <summary>The problems of <paramref name="inputs"/> against this schema, each naming the step and the input; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string stepId, IReadOnlyDictionary<string, JsonElement> inputs) =>
        [.. ValidateFields(inputs).Select(e => $"Step '{stepId}': {e.Message}.")];

    /// <summary>The problems of <paramref name="inputs"/> against this schema, by input name; empty when valid.</summary>
    public IReadOnlyList<InputError> ValidateFields(IReadOnlyDictionary<string, JsonElement> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var errors = new List<InputError>();
        foreach (var name in inputs.Keys.Where(k => Properties.All(p => p.Name != k)).Order(StringComparer.Ordinal))
        {
            errors.Add(new InputError(name, $"unknown input '{name}' (accepted: {string.Join(", ", Properties.Select(p => p.Name))})"));
        }

        foreach (var property in Properties)
        {
            if (!inputs.TryGetValue(property.Name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                if (property.Required)
                {
                    errors.Add(new InputError(property.Name, $"input '{property.Name}' is required ({property.Type.ToString().ToLowerInvariant()}: {property.Description})"));
                }

                continue;
            }

            if (Check(property, value) is { } problem)
            {
                errors.Add(new InputError(property.Name, $"input '{property.Name}' {problem}"));
            }
        }

        return errors;
    }

    /// <summary>A JSON-Schema rendering, for model prompts and documentation.</summary>
    public JsonObject ToJsonSchema()
    {
        var properties = new JsonObject();
        foreach (var property in Properties)
        {
            var schema = new JsonObject
            {
                ["type"] = property.Type switch
                {
                    InputType.StringArray => "array",
                    _ => property.Type.ToString().ToLowerInvariant(),
                },
                ["description"] = property.Description,
            };
            if (property.Type == InputType.StringArray)
            {
                schema["items"] = new JsonObject { ["type"] = "string" };
            }

            if (property.Minimum is { } min)
            {
                schema["minimum"] = min;
            }

            if (property.Maximum is { } max)
            {
                schema["maximum"] = max;
            }

            if (property.MaxLength is { } length)
            {
                schema["maxLength"] = length;
            }

            properties[property.Name] = schema;
        }

        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. Properties.Where(p => p.Required).Select(p => (JsonNode)p.Name)]),
            ["additionalProperties"] = false,
        };
    }

    private static string? Check(InputProperty property, JsonElement value)
    {
        switch (property.Type)
        {
            case InputType.String:
                if (value.ValueKind != JsonValueKind.String)
                {
                    return $"must be a string, not {Describe(value)}";
                }

                var text = value.GetString()!;
                if (property.Required && string.IsNullOrWhiteSpace(text))
                {
                    return "must not be empty";
                }

                return property.MaxLength is { } maxLength && text.Length > maxLength
                    ? $"is {text.Length} characters long; the limit is {maxLength}"
                    : null;
            case InputType.Integer:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var integer))
                {
                    return $"must be an integer, not {Describe(value)}";
                }

                return Range(property, integer);
            case InputType.Number:
                return value.ValueKind != JsonValueKind.Number ? $"must be a number, not {Describe(value)}" : Range(property, value.GetDouble());
            case InputType.Boolean:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"must be true or false, not {Describe(value)}";
            case InputType.Object:
                return value.ValueKind == JsonValueKind.Object ? null : $"must be an object, not {Describe(value)}";
            case InputType.StringArray:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    return $"must be an array of strings, not {Describe(value)}";
                }

                return value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) ? null : "must contain only strings";
            default:
                throw new InvalidOperationException($"Unknown input type {property.Type}.");
        }
    }

    private static string? Range(InputProperty property, double number) =>
        (property.Minimum is { } min && number < min) || (property.Maximum is { } max && number > max)
            ? $"is {number.ToString(System.Globalization.CultureInfo.InvariantCulture)}; it must be between {property.Minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-∞"} and {property.Maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "∞"}"
            : null;

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
