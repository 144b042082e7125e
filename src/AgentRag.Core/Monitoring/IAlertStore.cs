namespace AgentRag.Core.Monitoring;

/// <summary>How loud an alert is.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>The kinds of alert, by their stored names.</summary>
public static class AlertKinds
{
    public const string Budget90 = "budget.90";
    public const string Budget100 = "budget.100";
    public const string Anomaly = "anomaly";
    public const string IngestionFailures = "ingestion.failures";
    public const string CircuitOpen = "model.circuit_open";
    public const string ApprovalExpiring = "approval.expiring";

    /// <summary>Every kind, in the order the settings list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Budget90, Budget100, Anomaly, IngestionFailures, CircuitOpen, ApprovalExpiring];
}

/// <summary>One delivery attempt's outcome on one channel.</summary>
public sealed record AlertDelivery(string Channel, bool Delivered, int Attempts, string? Error, DateTimeOffset At);

/// <summary>
/// A raised alert. <see cref="Key"/> identifies what it is about (e.g. <c>anomaly:error_rate:2026-12-07T03</c>): alerts
/// with one key are one incident, raised once per cooldown and delivered once per channel (the channels' dedup key).
/// </summary>
public sealed record AlertRecord(
    string Id, string TenantId, string Kind, string Key, AlertSeverity Severity, string Title, string Detail, DateTimeOffset RaisedAt,
    IReadOnlyList<AlertDelivery> Deliveries);

/// <summary>
/// Raised alerts and each tenant's alert settings. Tenant-scoped: another tenant's alert is not found. Thread-safe.
/// </summary>
public interface IAlertStore
{
    /// <summary>The tenant's stored settings (JSON), or null when it has none (the configured defaults apply).</summary>
    Task<string?> GetSettingsAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Stores the tenant's settings (JSON), replacing any.</summary>
    Task SaveSettingsAsync(string tenantId, string settingsJson, DateTimeOffset updatedAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="alert"/> unless the tenant raised an alert of the same kind and key at or after
    /// <paramref name="cooldownStart"/> (a check and insert in one transaction); true when it was stored.
    /// </summary>
    Task<bool> TryRaiseAsync(AlertRecord alert, DateTimeOffset cooldownStart, CancellationToken cancellationToken = default);

    /// <summary>The tenant's alerts raised in [<paramref name="from"/>, <paramref name="to"/>), newest first, at most <paramref name="limit"/> (1–1000).</summary>
    Task<IReadOnlyList<AlertRecord>> ListAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken = default);

    /// <summary>Appends a delivery outcome to the alert. Does nothing for an unknown alert.</summary>
    Task AddDeliveryAsync(string tenantId, string alertId, AlertDelivery delivery, CancellationToken cancellationToken = default);
}
