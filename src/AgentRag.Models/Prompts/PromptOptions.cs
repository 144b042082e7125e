namespace AgentRag.Models.Prompts;

/// <summary>Settings of the versioned prompts (<c>AgentRag:Prompts</c>).</summary>
public sealed class PromptOptions
{
    public const string SectionName = "AgentRag:Prompts";

    /// <summary>
    /// The folder of <c>&lt;agent&gt;/&lt;version&gt;.md</c> files. Default: the <c>prompts</c> folder shipped beside the
    /// binaries (a copy of the repository's <c>prompts/</c>).
    /// </summary>
    public string Directory { get; set; } = Path.Combine(AppContext.BaseDirectory, "prompts");

    /// <summary>
    /// A/B weights that override the files' <c>weight</c>: <c>Weights:&lt;agent&gt;:&lt;version&gt; = 50</c>. A version's
    /// share of workflows is its weight over the agent's total.
    /// </summary>
    public Dictionary<string, Dictionary<string, int>> Weights { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
