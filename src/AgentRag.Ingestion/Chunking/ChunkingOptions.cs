using System.ComponentModel.DataAnnotations;

namespace AgentRag.Ingestion.Chunking;

/// <summary>Chunk sizes in <see cref="TokenCounter"/> tokens, bound from the configuration section <see cref="SectionName"/>.</summary>
public sealed class ChunkingOptions : IValidatableObject
{
    public const string SectionName = "AgentRag:Chunking";

    /// <summary>Largest chunk, including a repeated table header. A single word longer than half of this is cut into pieces.</summary>
    [Range(32, 8192, ErrorMessage = "AgentRag:Chunking:MaxTokens must be between 32 and 8192.")]
    public int MaxTokens { get; set; } = 512;

    /// <summary>How much text a chunk repeats from the end of the previous one (none after a section break).</summary>
    [Range(0, 4095, ErrorMessage = "AgentRag:Chunking:OverlapTokens must be between 0 and 4095.")]
    public int OverlapTokens { get; set; } = 50;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OverlapTokens * 2 >= MaxTokens)
        {
            // A chunk ends no earlier than half its budget; an overlap that large could stop chunking from advancing.
            yield return new ValidationResult(
                $"AgentRag:Chunking:OverlapTokens ({OverlapTokens}) must be less than half of AgentRag:Chunking:MaxTokens ({MaxTokens}).",
                [nameof(OverlapTokens)]);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the invalid settings; for code that builds options by hand.</summary>
    public void ThrowIfInvalid() => Extraction.OptionsValidation.ThrowIfInvalid(this);
}
