namespace AgentRag.Core.Retention;

/// <summary>
/// One kind of row that expires by age: rows of <paramref name="Table"/> whose <paramref name="TimestampColumn"/> (UTC
/// ticks) is older than <paramref name="Days"/> of <see cref="RetentionOptions"/> are deleted, in batches, by the rows'
/// <paramref name="Key"/>. Both storage backends use the same table and column names, so a rule is one entry of
/// <see cref="RetentionRules.Tables"/>.
/// </summary>
/// <param name="Kind">The name the job logs and reports (e.g. <c>usage</c>).</param>
/// <param name="Table">The table.</param>
/// <param name="TimestampColumn">Its timestamp column (UTC ticks); an index on it keeps each batch cheap.</param>
/// <param name="Key">The columns that identify a row (its primary key).</param>
/// <param name="Days">The setting that gives the retention in days.</param>
public sealed record RetentionRule(string Kind, string Table, string TimestampColumn, IReadOnlyList<string> Key, Func<RetentionOptions, int> Days);

/// <summary>The declarative retention rules. A new kind of expiring row is one more entry here (and its setting in <see cref="RetentionOptions"/>).</summary>
public static class RetentionRules
{
    /// <summary>Raw model-usage rows, by their start time.</summary>
    public static readonly RetentionRule Usage = new("usage", "usage", "ts", ["tenant_id", "id"], o => o.UsageDays);

    /// <summary>Audit entries, by their time.</summary>
    public static readonly RetentionRule Audit = new("audit", "audit_log", "at", ["id"], o => o.AuditDays);

    /// <summary>The monitoring agent's alerts, by the time they were raised.</summary>
    public static readonly RetentionRule Alerts = new("alerts", "alerts", "raised_at", ["tenant_id", "id"], o => o.AlertDays);

    /// <summary>
    /// The rules of rows that expire by age alone. Finished workflows (state, reminders and event log together), sessions
    /// (their time to live) and originals have rules of their own in the cleanup job. The monitoring agent's rollups,
    /// percentiles, anomalies and cost reports are aggregates and are kept.
    /// </summary>
    public static IReadOnlyList<RetentionRule> Tables { get; } = [Usage, Audit, Alerts];
}
