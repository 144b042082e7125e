using System.ComponentModel.DataAnnotations;

namespace AgentRag.Core.Sessions;

/// <summary>Conversation session settings (section <c>AgentRag:Sessions</c>). Validated at startup.</summary>
public sealed class SessionOptions
{
    public const string SectionName = "AgentRag:Sessions";

    /// <summary>How long a session lives after its last turn; an expired session reads as unknown and its id starts afresh.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Turns kept per session (the newest); they are the history follow-ups are resolved against.</summary>
    [Range(1, 100)]
    public int MaxTurns { get; set; } = 5;
}
