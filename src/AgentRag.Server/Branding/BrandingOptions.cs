using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Branding;

/// <summary>Tenant branding (section <c>AgentRag:Branding</c>); see docs/console.md, "Branding".</summary>
public sealed class BrandingOptions
{
    public const string SectionName = "AgentRag:Branding";

    /// <summary>The largest logo an admin may upload, in bytes (PNG, JPEG or WebP).</summary>
    [Range(1024, 10 * 1024 * 1024)]
    public int MaxLogoBytes { get; set; } = 256 * 1024;
}
