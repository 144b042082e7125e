using System.Text.RegularExpressions;
using AgentRag.Models.Calls;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Prompts;

/// <summary>
/// One version of one agent's prompt, loaded from <c>prompts/&lt;agent&gt;/&lt;version&gt;.md</c>: its front matter
/// (model profile, temperature, max tokens, date, changes, evaluation notes, A/B weight, placeholders) and its body with
/// <c>{{placeholder}}</c>s. A line <c>&lt;!-- user --&gt;</c> splits the body into a system and a user message.
/// Immutable and thread-safe.
/// </summary>
public sealed partial class PromptTemplate
{
    /// <summary>The line that separates the system part of a body from its user part.</summary>
    public const string UserSeparator = "<!-- user -->";

    internal PromptTemplate(
        string id, string version, string profile, float? temperature, int? maxTokens, DateOnly date, string changes, string? evaluation,
        int weight, IReadOnlyList<string> placeholders, string body, string filePath)
    {
        Id = id;
        Version = version;
        Profile = profile;
        Temperature = temperature;
        MaxTokens = maxTokens;
        Date = date;
        Changes = changes;
        Evaluation = evaluation;
        Weight = weight;
        Placeholders = placeholders;
        Body = body;
        FilePath = filePath;
    }

    /// <summary>The agent the prompt belongs to (its folder).</summary>
    public string Id { get; }

    /// <summary>The version (its file name), e.g. <c>v1</c>.</summary>
    public string Version { get; }

    /// <summary>The model profile the prompt is written for.</summary>
    public string Profile { get; }

    public float? Temperature { get; }

    public int? MaxTokens { get; }

    public DateOnly Date { get; }

    public string Changes { get; }

    public string? Evaluation { get; }

    /// <summary>The A/B weight after configuration overrides.</summary>
    public int Weight { get; }

    public IReadOnlyList<string> Placeholders { get; }

    public string Body { get; }

    public string FilePath { get; }

    /// <summary>The body with every placeholder replaced. Throws <see cref="ArgumentException"/> naming any value missing.</summary>
    public string Render(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var missing = Placeholders.Where(p => !values.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"Prompt {Id}@{Version} needs values for {string.Join(", ", missing.Select(m => "{{" + m + "}}"))}.", nameof(values));
        }

        return PlaceholderPattern().Replace(Body, match => values[match.Groups[1].Value]);
    }

    /// <summary>The rendered prompt as chat messages: a system and a user message when the body has the separator, else one user message.</summary>
    public IList<ChatMessage> ToMessages(IReadOnlyDictionary<string, string> values)
    {
        var text = Render(values);
        var split = text.IndexOf(UserSeparator, StringComparison.Ordinal);
        return split < 0
            ? [new ChatMessage(ChatRole.User, text.Trim())]
            : [new ChatMessage(ChatRole.System, text[..split].Trim()), new ChatMessage(ChatRole.User, text[(split + UserSeparator.Length)..].Trim())];
    }

    /// <summary>
    /// Chat options for this prompt: its temperature, max tokens and profile, attributed to <paramref name="context"/>
    /// with this prompt's id and version (so usage records them).
    /// </summary>
    public ChatOptions CreateOptions(ModelCallContext context, ChatOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = baseOptions?.Clone() ?? new ChatOptions();
        options.Temperature ??= Temperature;
        options.MaxOutputTokens ??= MaxTokens;
        if (options.AdditionalProperties?.ContainsKey(ModelCallOptions.ProfileKey) != true)
        {
            options = options.WithProfile(Profile);
        }

        return options.WithContext(context with { PromptId = Id, PromptVersion = Version });
    }

    public override string ToString() => $"{Id}@{Version}";

    internal static IReadOnlyList<string> FindPlaceholders(string body) =>
        PlaceholderPattern().Matches(body).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex PlaceholderPattern();
}

/// <summary>Prompt files are missing or invalid; the message names each file and what is wrong.</summary>
public sealed class PromptException(string message) : Exception(message);
