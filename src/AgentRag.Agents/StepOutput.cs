using System.Text.Json;
using AgentRag.Agents.Citations;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents;

/// <summary>
/// A completed step's result as recorded in the workflow state: the agent's data (JSON, read back with
/// <see cref="Read{T}"/>), a one-line summary, and optionally an answer. The last answer in plan order becomes
/// the workflow's answer.
/// </summary>
public sealed record StepOutput
{
    /// <summary>
    /// The value <see cref="Create{T}"/> serialized into <see cref="Data"/>, kept in memory so that the steps that depend
    /// on this one in the same process read it without a JSON round trip. A result read back from the state store has
    /// only <see cref="Data"/>.
    /// </summary>
    private object? _value;

    public JsonElement Data { get; init; }

    /// <summary>For people: e.g. "8 passages from 3 documents".</summary>
    public string Summary { get; init; } = "";

    public AnswerDraft? Answer { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static StepOutput Create<T>(T data, string summary, AnswerDraft? answer = null, IReadOnlyList<string>? warnings = null) => new()
    {
        Data = JsonSerializer.SerializeToElement(data, AgentRagJson.Options),
        _value = data,
        Summary = summary,
        Answer = answer,
        Warnings = warnings ?? [],
    };

    /// <summary>
    /// Reads <see cref="Data"/> as <typeparamref name="T"/>; throws <see cref="JsonException"/> when it has another shape.
    /// Returns the value the step produced when it is a <typeparamref name="T"/> (results are immutable records, shared
    /// by the steps that read them; don't modify them).
    /// </summary>
    public T Read<T>() => _value is T value ? value : Data.Deserialize<T>(AgentRagJson.Options)
        ?? throw new JsonException($"The step's data is null, not a {typeof(T).Name}.");
}

/// <summary>How an answer was produced.</summary>
public enum AnswerMode
{
    /// <summary>Stitched from retrieved sentences without a model.</summary>
    Extractive,

    /// <summary>Written by a chat model from the retrieved context.</summary>
    Model,

    /// <summary>Computed deterministically (arithmetic) or a fixed reply that needs no documents.</summary>
    Reasoning,
}

/// <summary>An answer (or a revision of one) produced by a step.</summary>
/// <param name="Text">The answer with <c>[n]</c> markers.</param>
/// <param name="Mode">How it was produced.</param>
/// <param name="Citations">Verified citations when the step checked them, else null.</param>
/// <param name="CitationSupportRate">The share of cited sentences that the sources support, when checked.</param>
public sealed record AnswerDraft(string Text, AnswerMode Mode, IReadOnlyList<Citation>? Citations = null, double? CitationSupportRate = null)
{
    /// <summary>The answer says the documents do not cover the question, and cites nothing.</summary>
    public bool Declined { get; init; }

    /// <summary>How far the answer can be trusted, 0–100 (see <see cref="Citations.AnswerAssessment"/>); null when not assessed.</summary>
    public int? Confidence { get; init; }

    /// <summary>Related questions the user may ask next.</summary>
    public IReadOnlyList<string> FollowUps { get; init; } = [];
}
