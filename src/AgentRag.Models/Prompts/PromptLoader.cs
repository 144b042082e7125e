using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace AgentRag.Models.Prompts;

/// <summary>Reads and validates <c>&lt;dir&gt;/&lt;agent&gt;/&lt;version&gt;.md</c> prompt files.</summary>
internal static partial class PromptLoader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    /// <summary>Loads every prompt; throws <see cref="PromptException"/> listing every problem, each naming its file.</summary>
    public static IReadOnlyList<PromptTemplate> Load(PromptOptions options)
    {
        var directory = options.Directory;
        if (string.IsNullOrWhiteSpace(directory) || !System.IO.Directory.Exists(directory))
        {
            throw new PromptException($"{PromptOptions.SectionName}:Directory '{directory}' does not exist; it must hold <agent>/<version>.md prompt files.");
        }

        var prompts = new List<PromptTemplate>();
        var errors = new List<string>();
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(directory, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Length != 2)
            {
                errors.Add($"{file}: prompt files must be <agent>/<version>.md directly under {directory}.");
                continue;
            }

            try
            {
                prompts.Add(Parse(file, parts[0], Path.GetFileNameWithoutExtension(parts[1]), options));
            }
            catch (PromptException ex)
            {
                errors.Add(ex.Message);
            }
        }

        foreach (var (agent, weights) in options.Weights)
        {
            foreach (var version in weights.Keys.Where(v => !prompts.Any(p => p.Id.Equals(agent, StringComparison.OrdinalIgnoreCase) && p.Version.Equals(v, StringComparison.OrdinalIgnoreCase))))
            {
                errors.Add($"{PromptOptions.SectionName}:Weights:{agent}:{version} names a prompt version that does not exist in {directory}.");
            }
        }

        if (errors.Count > 0)
        {
            throw new PromptException(string.Join(Environment.NewLine, errors));
        }

        return prompts;
    }

    private static PromptTemplate Parse(string file, string agent, string version, PromptOptions options)
    {
        var text = File.ReadAllText(file).ReplaceLineEndings("\n");
        if (!text.StartsWith("---\n", StringComparison.Ordinal))
        {
            throw new PromptException($"{file}: must start with YAML front matter between '---' lines.");
        }

        var end = text.IndexOf("\n---\n", 3, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new PromptException($"{file}: the front matter is not closed by a '---' line.");
        }

        FrontMatter matter;
        try
        {
            matter = Yaml.Deserialize<FrontMatter?>(text[4..(end + 1)]) ?? new FrontMatter();
        }
        catch (YamlException ex)
        {
            throw new PromptException($"{file}: invalid front matter at line {ex.Start.Line}: {(ex.InnerException ?? ex).Message}");
        }

        var body = text[(end + 5)..].Trim();
        var problems = new List<string>();
        if (matter.Id != agent)
        {
            problems.Add($"'id' is '{matter.Id}' but the file is in the folder '{agent}'");
        }

        if (matter.Version != version)
        {
            problems.Add($"'version' is '{matter.Version}' but the file is named '{version}.md'");
        }

        if (string.IsNullOrWhiteSpace(matter.Profile) || !ProfileName().IsMatch(matter.Profile))
        {
            problems.Add("'profile' must name a model profile (primary, fallback, cheap, rerank, …)");
        }

        if (matter.Temperature is < 0 or > 2)
        {
            problems.Add($"'temperature' {matter.Temperature} must be between 0 and 2");
        }

        if (matter.MaxTokens is < 1 or > 1_000_000)
        {
            problems.Add($"'max_tokens' {matter.MaxTokens} must be between 1 and 1000000");
        }

        if (!DateOnly.TryParseExact(matter.Date ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            problems.Add($"'date' '{matter.Date}' must be a date like 2025-03-14");
        }

        if (string.IsNullOrWhiteSpace(matter.Changes))
        {
            problems.Add("'changes' must say what changed in this version");
        }

        if (matter.Weight < 0)
        {
            problems.Add($"'weight' {matter.Weight} must not be negative");
        }

        if (body.Length == 0)
        {
            problems.Add("the body after the front matter is empty");
        }

        var declared = matter.Placeholders ?? [];
        var used = PromptTemplate.FindPlaceholders(body);
        foreach (var missing in declared.Except(used, StringComparer.Ordinal))
        {
            problems.Add($"placeholder {{{{{missing}}}}} is declared but missing from the body");
        }

        foreach (var undeclared in used.Except(declared, StringComparer.Ordinal))
        {
            problems.Add($"placeholder {{{{{undeclared}}}}} is used in the body but not declared in 'placeholders'");
        }

        if (problems.Count > 0)
        {
            throw new PromptException($"{file}: {string.Join("; ", problems)}.");
        }

        var weight = options.Weights.TryGetValue(agent, out var overrides) && overrides.TryGetValue(version, out var configured)
            ? configured
            : matter.Weight;
        if (weight < 0)
        {
            throw new PromptException($"{PromptOptions.SectionName}:Weights:{agent}:{version} is {weight}; weights must not be negative.");
        }

        return new PromptTemplate(agent, version, matter.Profile!, matter.Temperature, matter.MaxTokens, date, matter.Changes!.Trim(),
            matter.Evaluation?.Trim(), weight, declared, body, file);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex ProfileName();

    /// <summary>The YAML front matter of a prompt file.</summary>
    private sealed class FrontMatter
    {
        public string? Id { get; set; }

        public string? Version { get; set; }

        public string? Profile { get; set; }

        public float? Temperature { get; set; }

        public int? MaxTokens { get; set; }

        public string? Date { get; set; }

        public string? Changes { get; set; }

        public string? Evaluation { get; set; }

        public int Weight { get; set; }

        public List<string>? Placeholders { get; set; }
    }
}
