using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Sharing;

/// <summary>Share links to answers (section <c>AgentRag:Sharing</c>); see docs/security.md, "Share links".</summary>
public sealed class SharingOptions : IValidatableObject
{
    public const string SectionName = "AgentRag:Sharing";

    /// <summary>How long a new link works when its creator names no lifetime.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest lifetime a creator may ask for.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultLifetime > MaxLifetime)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(DefaultLifetime)} ({DefaultLifetime}) must not exceed {SectionName}:{nameof(MaxLifetime)} ({MaxLifetime}).",
                [nameof(DefaultLifetime)]);
        }
    }
}
