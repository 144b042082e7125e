using System.ComponentModel.DataAnnotations;

namespace AgentRag.Agents;

/// <summary>Query orchestration settings (section <c>AgentRag:Agents</c>). Validated at startup.</summary>
public sealed class AgentsOptions
{
    public const string SectionName = "AgentRag:Agents";

    /// <summary>Longest accepted question, in characters.</summary>
    [Range(1, 100_000)]
    public int MaxQueryLength { get; set; } = 2000;

    /// <summary>Passages a knowledge or multi-hop retrieval returns.</summary>
    [Range(1, 100)]
    public int RetrievalTopK { get; set; } = 8;

    /// <summary>Passages each entity's retrieval returns in a comparison.</summary>
    [Range(1, 100)]
    public int ComparisonTopKPerEntity { get; set; } = 5;

    [Range(1, 600_000)]
    public int RetrievalTimeoutMs { get; set; } = 10_000;

    [Range(1, 600_000)]
    public int SynthesisTimeoutMs { get; set; } = 60_000;

    /// <summary>
    /// The longest sentence embedding may take in extractive synthesis before the answer is made by words alone: on a
    /// saturated machine the first query over new passages must not run into the step's timeout.
    /// </summary>
    [Range(1, 600_000)]
    public int SentenceRelevanceTimeoutMs { get; set; } = 15_000;

    [Range(1, 600_000)]
    public int CitationTimeoutMs { get; set; } = 10_000;

    [Range(1, 600_000)]
    public int ReasoningTimeoutMs { get; set; } = 30_000;

    /// <summary>
    /// Model turns the reasoning agent's tool loop takes at most; when the model still asks for tools after the last
    /// one, the agent stops with a warning.
    /// </summary>
    [Range(1, 50)]
    public int MaxToolIterations { get; set; } = 8;

    /// <summary>How long one tool call of the reasoning agent may take; a call cut off is reported to the model as a tool error.</summary>
    [Range(1, 600_000)]
    public int ToolTimeoutMs { get; set; } = 15_000;

    /// <summary>Plan with the chat model when one is configured (falling back to the rules when its plan is invalid).</summary>
    public bool UseModelPlanner { get; set; } = true;

    /// <summary>
    /// How often a running workflow's durable reminder fires. After a crash, pending workflows resume when the host
    /// starts (overdue reminders fire at once) or at the latest one interval after.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResumeInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A cited sentence whose support score is below this loses the citation (see docs/adr/0006).</summary>
    [Range(0.0, 1.0)]
    public double MinimumCitationSupport { get; set; } = 0.3;

    /// <summary>Sentences at most in an extractive answer.</summary>
    [Range(1, 20)]
    public int ExtractiveMaxSentences { get; set; } = 4;

    /// <summary>Chat model price per million input tokens, for plan estimates.</summary>
    [Range(0.0, 10_000.0)]
    public decimal InputUsdPerMillionTokens { get; set; }

    /// <summary>Chat model price per million output tokens, for plan estimates.</summary>
    [Range(0.0, 10_000.0)]
    public decimal OutputUsdPerMillionTokens { get; set; }
}
