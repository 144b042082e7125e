using System.Text.Json;
using AgentRag.Core.Serialization;

namespace AgentRag.Core.Monitoring;

/// <summary>How the <see cref="IAlertStore"/> adapters store an alert's severity and deliveries, in one place.</summary>
public static class AlertJson
{
    /// <summary>The stored name of a severity: <c>info</c>, <c>warning</c> or <c>critical</c>.</summary>
    public static string SeverityName(AlertSeverity severity) => EnumNames.Of(severity);

    /// <summary>The severity named <paramref name="name"/>; <see cref="FormatException"/> for another name.</summary>
    public static AlertSeverity ParseSeverity(string name) =>
        EnumNames.TryParse<AlertSeverity>(name, out var severity) ? severity : throw new FormatException($"Unknown alert severity '{name}'.");

    /// <summary>The deliveries as a JSON array.</summary>
    public static string Deliveries(IReadOnlyList<AlertDelivery> deliveries) => JsonSerializer.Serialize(deliveries, AgentRagJson.Options);

    /// <summary>The deliveries of a stored JSON array.</summary>
    public static IReadOnlyList<AlertDelivery> ParseDeliveries(string json) =>
        JsonSerializer.Deserialize<List<AlertDelivery>>(json, AgentRagJson.Options) ?? [];
}
