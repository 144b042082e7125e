namespace AgentRag.Core.Retention;

/// <summary>
/// The retention statements both storage backends run as they are (SQLite and PostgreSQL share the tables, the UTC-tick
/// timestamps and the <c>@name</c> parameters), so a rule's SQL is written once.
/// </summary>
public static class RetentionSql
{
    /// <summary>The finished statuses as a SQL list of literals.</summary>
    public static string FinishedStatusList { get; } = string.Join(", ", WorkflowRetention.FinishedStatuses.Select(s => $"'{s}'"));

    /// <summary>A finished workflow's event stream (<c>@tenant</c>, <c>@stream</c>).</summary>
    public const string DeleteWorkflowEvents = "DELETE FROM events WHERE tenant_id = @tenant AND stream_id = @stream";

    /// <summary>A finished workflow's reminders (<c>@tenant</c>, <c>@type</c>, <c>@id</c>).</summary>
    public const string DeleteWorkflowReminders = "DELETE FROM actor_reminders WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id";

    /// <summary>A finished workflow's actor state (<c>@tenant</c>, <c>@type</c>, <c>@id</c>).</summary>
    public const string DeleteWorkflowState = "DELETE FROM actor_state WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id";

    /// <summary>Documents created before <c>@cutoff</c> after the key (<c>@tenant</c>, <c>@id</c>), at most <c>@limit</c>.</summary>
    public const string DocumentsCreatedBefore =
        "SELECT tenant_id, id, stored_path FROM documents WHERE created_at < @cutoff AND (tenant_id, id) > (@tenant, @id) " +
        "ORDER BY tenant_id, id LIMIT @limit";

    /// <summary>Deletes at most <c>@limit</c> rows of the rule stamped before <c>@cutoff</c>, by key.</summary>
    public static string DeleteBatch(RetentionRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var key = string.Join(", ", rule.Key);
        return $"DELETE FROM {rule.Table} WHERE ({key}) IN (SELECT {key} FROM {rule.Table} WHERE {rule.TimestampColumn} < @cutoff LIMIT @limit)";
    }
}

/// <summary>
/// What marks a workflow's stored state, for the retention of finished workflows: the agents' <c>WorkflowActor</c> keeps its
/// state under actor type and key <c>workflow</c>, with a JSON <c>status</c>, and its events in stream <c>workflow:&lt;id&gt;</c>.
/// </summary>
public static class WorkflowRetention
{
    public const string ActorType = "workflow";

    public const string StateKey = "workflow";

    /// <summary>The JSON names of the statuses after which a workflow never changes again.</summary>
    public static IReadOnlyList<string> FinishedStatuses { get; } = ["completed", "failed", "cancelled"];

    /// <summary>The workflow's event stream.</summary>
    public static string StreamId(string workflowId) => "workflow:" + workflowId;
}
