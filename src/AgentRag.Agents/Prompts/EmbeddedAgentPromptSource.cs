using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Prompts;

/// <summary>
/// Serves the repository's <c>prompts/</c> files as embedded in this assembly at build time; for each prompt id the
/// highest <c>v&lt;n&gt;.md</c> wins. Reads the prompt file format of the model layer: optional YAML-style front
/// matter between <c>---</c> lines (<c>temperature</c>, <c>max_tokens</c> are used), then the body, split into a system
/// and a user message at a <c>&lt;!-- user --&gt;</c> line. Immutable after construction; thread-safe.
/// </summary>
public sealed partial class EmbeddedAgentPromptSource : IAgentPromptSource
{
    private const string UserSeparator = "<!-- user -->";

    private readonly Dictionary<string, (int Number, string Text)> _prompts = new(StringComparer.Ordinal);

    public EmbeddedAgentPromptSource()
    {
        var assembly = typeof(EmbeddedAgentPromptSource).Assembly;
        foreach (var name in assembly.GetManifestResourceNames())
        {
            // Resource names are "prompts/<id>/v<n>.md" (see the project file).
            var parts = name.Replace('\\', '/').Split('/');
            if (parts.Length != 3 || parts[0] != "prompts" || !parts[2].StartsWith('v') || !parts[2].EndsWith(".md", StringComparison.Ordinal)
                || !int.TryParse(parts[2][1..^3], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                continue;
            }

            if (!_prompts.TryGetValue(parts[1], out var existing) || existing.Number < version)
            {
                _prompts[parts[1]] = (version, Read(assembly, name));
            }
        }
    }

    public Task<RenderedPrompt> RenderAsync(string promptId, string workflowId, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!_prompts.TryGetValue(promptId, out var prompt))
        {
            throw new KeyNotFoundException($"No prompt '{promptId}' is built in (known: {string.Join(", ", _prompts.Keys.Order(StringComparer.Ordinal))}).");
        }

        var (settings, body) = SplitFrontMatter(prompt.Text);
        var rendered = Placeholder().Replace(body, match => values.TryGetValue(match.Groups[1].Value, out var value)
            ? value
            : throw new ArgumentException($"Prompt '{promptId}' v{prompt.Number} needs a value for '{{{{{match.Groups[1].Value}}}}}'.", nameof(values)));
        var separator = rendered.IndexOf(UserSeparator, StringComparison.Ordinal);
        IReadOnlyList<ChatMessage> messages = separator < 0
            ? [new ChatMessage(ChatRole.User, rendered.Trim())]
            : [new ChatMessage(ChatRole.System, rendered[..separator].Trim()), new ChatMessage(ChatRole.User, rendered[(separator + UserSeparator.Length)..].Trim())];
        return Task.FromResult(new RenderedPrompt(
            promptId,
            "v" + prompt.Number.ToString(CultureInfo.InvariantCulture),
            messages,
            settings.TryGetValue("temperature", out var t) && float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var temperature) ? temperature : null,
            settings.TryGetValue("max_tokens", out var m) && int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var maxTokens) ? maxTokens : null));
    }

    private static (Dictionary<string, string> Settings, string Body) SplitFrontMatter(string text)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!normalized.StartsWith("---\n", StringComparison.Ordinal))
        {
            return (settings, normalized);
        }

        var end = normalized.IndexOf("\n---\n", 4, StringComparison.Ordinal);
        if (end < 0)
        {
            return (settings, normalized);
        }

        foreach (var line in normalized[4..end].Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !char.IsWhiteSpace(line[0]))
            {
                settings[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return (settings, normalized[(end + 5)..]);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Placeholder();
}
