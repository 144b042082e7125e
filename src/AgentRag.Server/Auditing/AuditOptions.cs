using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Auditing;

/// <summary>Audit log settings (section <c>AgentRag:Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string SectionName = "AgentRag:Audit";

    /// <summary>Days an audit entry is kept before retention prunes it. Default 365.</summary>
    [Range(1, 36500)]
    public int RetentionDays { get; set; } = 365;

    /// <summary>Time between retention runs (there is also one at start). Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);
}
