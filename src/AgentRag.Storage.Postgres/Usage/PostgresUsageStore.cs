using AgentRag.Core.Usage;
using Npgsql;

namespace AgentRag.Storage.Postgres.Usage;

/// <summary>
/// <see cref="IUsageStore"/> over <c>usage</c>: one row per model call, committed before <see cref="RecordAsync"/>
/// completes, so a budget check on any replica that follows a recorded call sees it. Thread-safe.
/// </summary>
public sealed class PostgresUsageStore(PostgresDatabase database) : IUsageStore
{
    private const string Columns =
        "id, ts, tenant_id, user_id, session_id, workflow_id, step_id, agent, profile, model, operation, prompt_id, prompt_version, " +
        "input_tokens, output_tokens, cached_tokens, estimated, latency_ms, cost_nano_usd, outcome, error, routing_reason";

    private const string Aggregates =
        "count(*), coalesce(sum(CASE WHEN outcome <> 'succeeded' THEN 1 ELSE 0 END), 0)::bigint, coalesce(sum(estimated), 0)::bigint, " +
        "coalesce(sum(input_tokens), 0)::bigint, coalesce(sum(output_tokens), 0)::bigint, coalesce(sum(cached_tokens), 0)::bigint, " +
        "coalesce(sum(cost_nano_usd), 0)::bigint, coalesce(avg(latency_ms), 0)::double precision";

    public async Task RecordAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"INSERT INTO usage ({Columns}) VALUES (@id, @ts, @tenant, @user, @session, @workflow, @step, @agent, @profile, @model, @operation, " +
            "@prompt, @version, @input, @output, @cached, @estimated, @latency, @cost, @outcome, @error, @routing)")
            .With("id", record.Id).With("ts", record.Timestamp.UtcTicks).With("tenant", record.TenantId)
            .With("user", record.UserId).With("session", record.SessionId).With("workflow", record.WorkflowId)
            .With("step", record.StepId).With("agent", record.Agent).With("profile", record.Profile).With("model", record.Model)
            .With("operation", record.Operation).With("prompt", record.PromptId).With("version", record.PromptVersion)
            .With("input", record.InputTokens).With("output", record.OutputTokens).With("cached", record.CachedTokens)
            .With("estimated", record.Estimated ? 1 : 0).With("latency", record.Latency.TotalMilliseconds)
            .With("cost", record.CostNanoUsd).With("outcome", UsageOutcomes.Name(record.Outcome)).With("error", record.Error)
            .With("routing", record.RoutingReason);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<UsageReport> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var key = query.GroupBy switch
        {
            UsageGroupBy.Agent => "agent",
            UsageGroupBy.Model => "model",
            UsageGroupBy.Tenant => "tenant_id",
            // ts is .NET ticks: 621355968000000000 ticks is the Unix epoch, 10^7 ticks a second.
            UsageGroupBy.Day => "to_char(to_timestamp((ts - 621355968000000000) / 10000000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            UsageGroupBy.Session => "session_id",
            UsageGroupBy.Profile => "profile",
            UsageGroupBy.Prompt => "CASE WHEN prompt_id IS NULL THEN NULL ELSE prompt_id || '@' || coalesce(prompt_version, '') END",
            UsageGroupBy.Workflow => "workflow_id",
            _ => throw new ArgumentOutOfRangeException(nameof(query), query.GroupBy, "Unknown grouping."),
        };
        var where = Filter(query.TenantId, query.From, query.To);
        await using var connection = await database.OpenAsync(cancellationToken);
        var groups = new List<UsageGroup>();
        // COLLATE "C": groups with equal cost order by their key's bytes, as the embedded store orders them.
        await using (var command = Bind(connection.Command(
            $"SELECT {key} AS k, {Aggregates} FROM usage{where} GROUP BY 1 ORDER BY sum(cost_nano_usd) DESC, ({key}) COLLATE \"C\" NULLS FIRST"), query.TenantId, query.From, query.To))
        {
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            while (await row.ReadAsync(cancellationToken))
            {
                groups.Add(new UsageGroup(row.GetNullableString(0), ReadTotals(row, 1)));
            }
        }

        await using var total = Bind(connection.Command($"SELECT {Aggregates} FROM usage{where}"), query.TenantId, query.From, query.To);
        await using var totals = await total.ExecuteReaderAsync(cancellationToken);
        await totals.ReadAsync(cancellationToken);
        return new UsageReport(query, groups, ReadTotals(totals, 0));
    }

    public async Task<IReadOnlyList<UsageRecord>> ListAsync(UsageListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = Filter(query.TenantId, query.From, query.To);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Bind(connection.Command($"SELECT {Columns} FROM usage{where} ORDER BY ts DESC, id COLLATE \"C\" DESC LIMIT @limit"),
            query.TenantId, query.From, query.To).With("limit", Math.Clamp(query.Limit, 1, 100_000));
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<UsageRecord>();
        while (await row.ReadAsync(cancellationToken))
        {
            rows.Add(ReadRecord(row));
        }

        return rows;
    }

    public Task<long> GetTenantCostAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        ScalarAsync("SELECT coalesce(sum(cost_nano_usd), 0)::bigint FROM usage WHERE tenant_id = @tenant AND ts >= @from AND ts < @to",
            c => c.With("tenant", tenantId).With("from", from.UtcTicks).With("to", to.UtcTicks), cancellationToken);

    public Task<long> GetSessionCostAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default) =>
        ScalarAsync("SELECT coalesce(sum(cost_nano_usd), 0)::bigint FROM usage WHERE tenant_id = @tenant AND session_id = @session",
            c => c.With("tenant", tenantId).With("session", sessionId), cancellationToken);

    public Task<long> GetWorkflowTokensAsync(string tenantId, string workflowId, CancellationToken cancellationToken = default) =>
        ScalarAsync("SELECT coalesce(sum(input_tokens + output_tokens), 0)::bigint FROM usage WHERE tenant_id = @tenant AND workflow_id = @workflow",
            c => c.With("tenant", tenantId).With("workflow", workflowId), cancellationToken);

    public async Task<WorkflowCalls> GetWorkflowCallsAsync(string tenantId, string workflowId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        await using var connection = await database.OpenAsync(cancellationToken);
        var prompts = new List<(string, string)>();
        await using (var command = connection.Command(
            "SELECT DISTINCT prompt_id COLLATE \"C\", coalesce(prompt_version, '') COLLATE \"C\" FROM usage " +
            "WHERE tenant_id = @tenant AND workflow_id = @workflow AND prompt_id IS NOT NULL ORDER BY 1, 2")
            .With("tenant", tenantId).With("workflow", workflowId))
        {
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            while (await row.ReadAsync(cancellationToken))
            {
                prompts.Add((row.GetString(0), row.GetString(1)));
            }
        }

        var models = new List<string>();
        await using (var command = connection.Command(
            "SELECT DISTINCT model COLLATE \"C\" FROM usage WHERE tenant_id = @tenant AND workflow_id = @workflow AND operation <> 'embedding' ORDER BY 1")
            .With("tenant", tenantId).With("workflow", workflowId))
        {
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            while (await row.ReadAsync(cancellationToken))
            {
                models.Add(row.GetString(0));
            }
        }

        return new WorkflowCalls(prompts, models);
    }

    private static UsageTotals ReadTotals(NpgsqlDataReader s, int first) => new(
        s.GetInt64(first), s.GetInt64(first + 1), s.GetInt64(first + 2), s.GetInt64(first + 3), s.GetInt64(first + 4),
        s.GetInt64(first + 5), s.GetInt64(first + 6), s.GetDouble(first + 7));

    private static string Filter(string? tenantId, DateTimeOffset? from, DateTimeOffset? to)
    {
        var clauses = new List<string>();
        if (tenantId is not null)
        {
            clauses.Add("tenant_id = @tenant");
        }

        if (from is not null)
        {
            clauses.Add("ts >= @from");
        }

        if (to is not null)
        {
            clauses.Add("ts < @to");
        }

        return clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
    }

    private static NpgsqlCommand Bind(NpgsqlCommand command, string? tenantId, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (tenantId is not null)
        {
            command.With("tenant", tenantId);
        }

        if (from is { } f)
        {
            command.With("from", f.UtcTicks);
        }

        if (to is { } t)
        {
            command.With("to", t.UtcTicks);
        }

        return command;
    }

    private async Task<long> ScalarAsync(string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(sql);
        bind(command);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static UsageRecord ReadRecord(NpgsqlDataReader s) => new()
    {
        Id = s.GetString(0),
        Timestamp = PostgresCommands.Utc(s.GetInt64(1)),
        TenantId = s.GetString(2),
        UserId = s.GetNullableString(3),
        SessionId = s.GetNullableString(4),
        WorkflowId = s.GetNullableString(5),
        StepId = s.GetNullableString(6),
        Agent = s.GetNullableString(7),
        Profile = s.GetString(8),
        Model = s.GetString(9),
        Operation = s.GetString(10),
        PromptId = s.GetNullableString(11),
        PromptVersion = s.GetNullableString(12),
        InputTokens = s.GetInt64(13),
        OutputTokens = s.GetInt64(14),
        CachedTokens = s.GetInt64(15),
        Estimated = s.GetInt32(16) != 0,
        Latency = TimeSpan.FromMilliseconds(s.GetDouble(17)),
        CostNanoUsd = s.GetInt64(18),
        Outcome = UsageOutcomes.Parse(s.GetString(19)),
        Error = s.GetNullableString(20),
        RoutingReason = s.GetNullableString(21),
    };
}
