using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Previews;

/// <summary>Page images of PDFs (section <c>AgentRag:PageImages</c>); see docs/adr/0038-share-links-and-page-images.md.</summary>
public sealed class PageImageOptions : IValidatableObject
{
    public const string SectionName = "AgentRag:PageImages";

    /// <summary>The smallest width a request may ask for, in pixels.</summary>
    public const int MinWidth = 64;

    /// <summary>The width of an image when the request names none, in pixels.</summary>
    [Range(MinWidth, 4000)]
    public int DefaultWidth { get; set; } = 800;

    /// <summary>The largest width a request may ask for, in pixels.</summary>
    [Range(MinWidth, 4000)]
    public int MaxWidth { get; set; } = 1600;

    /// <summary>Most pdftoppm runs at once in this process; more requests wait their turn.</summary>
    [Range(1, 64)]
    public int MaxConcurrentRenders { get; set; } = 2;

    /// <summary>Most bytes the cache of rendered pages keeps on disk; the least recently used images go first.</summary>
    [Range(1024 * 1024, long.MaxValue)]
    public long MaxCacheBytes { get; set; } = 256L * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultWidth > MaxWidth)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(DefaultWidth)} ({DefaultWidth}) must not exceed {SectionName}:{nameof(MaxWidth)} ({MaxWidth}).", [nameof(DefaultWidth)]);
        }
    }
}
