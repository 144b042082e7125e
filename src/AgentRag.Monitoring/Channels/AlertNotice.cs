using AgentRag.Core.Monitoring;

namespace AgentRag.Monitoring.Channels;

/// <summary>What the channels send about an alert; <see cref="Resolved"/> ends the incident of its key (PagerDuty's <c>resolve</c>).</summary>
public sealed record AlertNotice(AlertRecord Alert, bool Resolved = false)
{
    /// <summary>The one-line form chat channels show.</summary>
    public string Summary => $"[{(Resolved ? "resolved" : Alert.Severity.ToString().ToLowerInvariant())}] {Alert.Title}";
}
