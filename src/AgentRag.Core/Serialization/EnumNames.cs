using System.Collections.Concurrent;
using System.Text.Json;

namespace AgentRag.Core.Serialization;

/// <summary>
/// The one reader of enum values given as text, on every surface (query strings, JSON request bodies, CLI options):
/// a value is one of the enum's names as <see cref="AgentRagJson"/> writes them (snake_case: <c>before_answer</c>),
/// compared without regard to case, <c>_</c> or <c>-</c> (so <c>BeforeAnswer</c> and <c>before-answer</c> are the same
/// value). Numbers and names the enum does not define are refused, and <see cref="Unknown"/> says what was given and
/// what is allowed. Thread-safe.
/// </summary>
public static class EnumNames
{
    private static readonly ConcurrentDictionary<Type, Names> Cache = new();

    /// <summary><paramref name="value"/>'s name as every surface writes it (<c>before_answer</c>).</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Every name of <paramref name="enumType"/>, as written, in declaration order.</summary>
    /// <exception cref="ArgumentException"><paramref name="enumType"/> is not an enum.</exception>
    public static IReadOnlyList<string> All(Type enumType) => For(enumType).Written;

    /// <summary>Every name of <typeparamref name="TEnum"/>, as written, in declaration order.</summary>
    public static IReadOnlyList<string> All<TEnum>()
        where TEnum : struct, Enum =>
        All(typeof(TEnum));

    /// <summary>
    /// Reads <paramref name="text"/> as one of <typeparamref name="TEnum"/>'s names (see the class remarks). False for
    /// null, blank, numeric or unknown text.
    /// </summary>
    public static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        if (TryParse(typeof(TEnum), text, out var parsed))
        {
            value = (TEnum)parsed;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Reads <paramref name="text"/> as one of <paramref name="enumType"/>'s names (see the class remarks).</summary>
    /// <exception cref="ArgumentException"><paramref name="enumType"/> is not an enum.</exception>
    public static bool TryParse(Type enumType, string? text, out object value)
    {
        var names = For(enumType);
        if (text is not null && names.ByKey.TryGetValue(Key(text), out var found))
        {
            value = found;
            return true;
        }

        value = Enum.ToObject(enumType, 0);
        return false;
    }

    /// <summary>
    /// The message for a value that is not one of <paramref name="enumType"/>'s names:
    /// <c>Unknown mode 'creative': use auto, extractive or model.</c>
    /// </summary>
    /// <param name="parameter">The parameter, field or option the value was given for, as the caller wrote it.</param>
    public static string Unknown(Type enumType, string parameter, string? text) =>
        $"Unknown {parameter} '{text}': use {Choice(All(enumType))}.";

    /// <inheritdoc cref="Unknown(Type, string, string?)"/>
    public static string Unknown<TEnum>(string parameter, string? text)
        where TEnum : struct, Enum =>
        Unknown(typeof(TEnum), parameter, text);

    /// <summary><c>a</c>, <c>a or b</c>, <c>a, b or c</c>.</summary>
    private static string Choice(IReadOnlyList<string> names) =>
        names.Count < 2 ? string.Join("", names) : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    private static string Key(string text) =>
        text.Trim().Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();

    private static Names For(Type enumType)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        if (!enumType.IsEnum)
        {
            throw new ArgumentException($"{enumType.Name} is not an enum.", nameof(enumType));
        }

        return Cache.GetOrAdd(enumType, static type =>
        {
            var members = Enum.GetNames(type);
            return new Names(
                [.. members.Select(JsonNamingPolicy.SnakeCaseLower.ConvertName)],
                members.ToDictionary(Key, name => Enum.Parse(type, name), StringComparer.Ordinal));
        });
    }

    private sealed record Names(IReadOnlyList<string> Written, IReadOnlyDictionary<string, object> ByKey);
}
