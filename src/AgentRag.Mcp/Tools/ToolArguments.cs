using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentRag.Mcp.Tools;

/// <summary>
/// Typed, validated access to a tool call's arguments, which arrive as <see cref="JsonElement"/>s (from MCP or a model's
/// function call) or as CLR values (from code). Every problem is a <see cref="ToolException"/> of kind
/// <see cref="ToolErrorKind.InvalidArguments"/> that names the tool and the argument.
/// </summary>
public sealed class ToolArguments
{
    private readonly string _tool;
    private readonly IReadOnlyDictionary<string, object?> _values;

    public ToolArguments(string tool, IEnumerable<KeyValuePair<string, object?>>? values)
    {
        _tool = tool;
        _values = (values ?? []).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>Refuses arguments the tool does not declare, so a misspelt name is not silently ignored.</summary>
    public void RejectUnknown(IReadOnlyCollection<string> known)
    {
        var unknown = _values.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw Invalid($"unknown argument{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; it takes {string.Join(", ", known)}");
        }
    }

    public string RequiredString(string name, int maxLength = 10_000)
    {
        var value = OptionalString(name, maxLength);
        return string.IsNullOrWhiteSpace(value) ? throw Invalid($"'{name}' is required and must be a non-empty string") : value;
    }

    public string? OptionalString(string name, int maxLength = 10_000)
    {
        var value = Get(name) switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            _ => throw Invalid($"'{name}' must be a string"),
        };
        return value is not null && value.Length > maxLength ? throw Invalid($"'{name}' is {value.Length} characters; the limit is {maxLength}") : value;
    }

    public int OptionalInt(string name, int defaultValue, int min, int max)
    {
        var raw = Get(name);
        if (raw is null)
        {
            return defaultValue;
        }

        long value = raw switch
        {
            int i => i,
            long l => l,
            double d when d == Math.Floor(d) => (long)d,
            JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var l) => l,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
            _ => throw Invalid($"'{name}' must be an integer"),
        };
        return value < min || value > max ? throw Invalid($"'{name}' must be between {min} and {max}; it was {value}") : (int)value;
    }

    public bool OptionalBool(string name, bool defaultValue) => Get(name) switch
    {
        null => defaultValue,
        bool b => b,
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        _ => throw Invalid($"'{name}' must be true or false"),
    };

    /// <summary>A list of non-empty strings, or null when absent.</summary>
    public IReadOnlyList<string>? OptionalStringList(string name, int maxItems, int maxLength = 10_000)
    {
        var raw = Get(name);
        if (raw is null)
        {
            return null;
        }

        List<string?> items = raw switch
        {
            JsonElement { ValueKind: JsonValueKind.Array } e => [.. e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null)],
            IEnumerable<string> strings => [.. strings],
            _ => throw Invalid($"'{name}' must be an array of strings"),
        };
        if (items.Any(string.IsNullOrWhiteSpace))
        {
            throw Invalid($"'{name}' must contain only non-empty strings");
        }

        if (items.Count > maxItems)
        {
            throw Invalid($"'{name}' has {items.Count} items; the limit is {maxItems}");
        }

        return items.Any(i => i!.Length > maxLength)
            ? throw Invalid($"an item of '{name}' is longer than {maxLength} characters")
            : [.. items.Select(i => i!)];
    }

    /// <summary>An argument naming one of <paramref name="allowed"/> (case-insensitive), or null when absent.</summary>
    public string? OptionalChoice(string name, IReadOnlyCollection<string> allowed)
    {
        var value = OptionalString(name, 100);
        if (value is null)
        {
            return null;
        }

        return allowed.FirstOrDefault(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase))
            ?? throw Invalid($"'{name}' must be one of {string.Join(", ", allowed)}; it was '{value}'");
    }

    public ToolException Invalid(string reason) => new($"Invalid arguments for tool '{_tool}': {reason}.", ToolErrorKind.InvalidArguments);

    private object? Get(string name) => _values.TryGetValue(name, out var value) && value is not JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } ? value : null;

    internal static ToolArguments From(string tool, AIFunctionArguments arguments) => new(tool, arguments);
}
