using System.CommandLine;
using System.CommandLine.Parsing;
using AgentRag.Core.Serialization;

namespace AgentRag.Cli.Commands;

/// <summary>
/// Options whose value is one of an enum's names, read by <see cref="EnumNames"/> as the HTTP API reads query strings
/// and JSON bodies (<c>before_answer</c>, any case). Another value is a usage error (exit code 2) that names the option
/// and the allowed values; help and shell completion list the names.
/// </summary>
internal static class EnumOption
{
    /// <summary>An option that is null when not given.</summary>
    public static Option<TEnum?> Create<TEnum>(string name, string description)
        where TEnum : struct, Enum
    {
        var option = new Option<TEnum?>(name)
        {
            Description = description,
            HelpName = string.Join('|', EnumNames.All<TEnum>()),
            CustomParser = result => Parse<TEnum>(result, name),
        };
        option.CompletionSources.Add([.. EnumNames.All<TEnum>()]);
        return option;
    }

    /// <summary>An option that is <paramref name="defaultValue"/> when not given.</summary>
    public static Option<TEnum> Create<TEnum>(string name, string description, TEnum defaultValue)
        where TEnum : struct, Enum
    {
        var option = new Option<TEnum>(name)
        {
            Description = description,
            HelpName = string.Join('|', EnumNames.All<TEnum>()),
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Parse<TEnum>(result, name) ?? defaultValue,
        };
        option.CompletionSources.Add([.. EnumNames.All<TEnum>()]);
        return option;
    }

    private static TEnum? Parse<TEnum>(ArgumentResult result, string name)
        where TEnum : struct, Enum
    {
        if (result.Tokens.Count == 0)
        {
            return null; // not given: the option's default
        }

        var text = result.Tokens[^1].Value;
        if (EnumNames.TryParse<TEnum>(text, out var value))
        {
            return value;
        }

        result.AddError(EnumNames.Unknown<TEnum>(name, text));
        return null;
    }
}
