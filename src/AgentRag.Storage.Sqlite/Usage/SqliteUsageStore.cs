using AgentRag.Core.Usage;

namespace AgentRag.Storage.Sqlite.Usage;

/// <summary>
/// <see cref="IUsageStore"/> over the embedded store's <c>usage</c> table. Rows are written through the database's
/// group-commit writer queue and each <see cref="RecordAsync"/> completes once its group has committed, so a budget check
/// that follows a recorded call sees it. Thread-safe.
/// </summary>
public sealed class SqliteUsageStore(SqliteDatabase database) : IUsageStore
{
    private const string Columns =
        "id, ts, tenant_id, user_id, session_id, workflow_id, step_id, agent, profile, model, operation, prompt_id, prompt_version, " +
        "input_tokens, output_tokens, cached_tokens, estimated, latency_ms, cost_nano_usd, outcome, error, routing_reason";

    public Task RecordAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                $"INSERT INTO usage ({Columns}) VALUES (@id, @ts, @tenant, @user, @session, @workflow, @step, @agent, @profile, @model, @operation, " +
                "@prompt, @version, @input, @output, @cached, @estimated, @latency, @cost, @outcome, @error, @routing)");
            statement.Bind("@id", record.Id).Bind("@ts", record.Timestamp.UtcTicks).Bind("@tenant", record.TenantId)
                .Bind("@user", record.UserId).Bind("@session", record.SessionId).Bind("@workflow", record.WorkflowId)
                .Bind("@step", record.StepId).Bind("@agent", record.Agent).Bind("@profile", record.Profile).Bind("@model", record.Model)
                .Bind("@operation", record.Operation).Bind("@prompt", record.PromptId).Bind("@version", record.PromptVersion)
                .Bind("@input", record.InputTokens).Bind("@output", record.OutputTokens).Bind("@cached", record.CachedTokens)
                .Bind("@estimated", record.Estimated ? 1L : 0L).Bind("@latency", record.Latency.TotalMilliseconds)
                .Bind("@cost", record.CostNanoUsd).Bind("@outcome", UsageOutcomes.Name(record.Outcome)).Bind("@error", record.Error)
                .Bind("@routing", record.RoutingReason)
                .Execute();
        }, cancellationToken);
    }

    public Task<UsageReport> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var key = query.GroupBy switch
        {
            UsageGroupBy.Agent => "agent",
            UsageGroupBy.Model => "model",
            UsageGroupBy.Tenant => "tenant_id",
            // ts is .NET ticks: 621355968000000000 ticks is the Unix epoch, 10^7 ticks a second.
            UsageGroupBy.Day => "date((ts - 621355968000000000) / 10000000, 'unixepoch')",
            UsageGroupBy.Session => "session_id",
            UsageGroupBy.Profile => "profile",
            UsageGroupBy.Prompt => "CASE WHEN prompt_id IS NULL THEN NULL ELSE prompt_id || '@' || coalesce(prompt_version, '') END",
            UsageGroupBy.Workflow => "workflow_id",
            _ => throw new ArgumentOutOfRangeException(nameof(query), query.GroupBy, "Unknown grouping."),
        };
        var (where, bind) = Filter(query.TenantId, query.From, query.To);
        return database.ReadAsync(connection =>
        {
            var groups = new List<UsageGroup>();
            using (var statement = connection.Prepare($"SELECT {key} AS k, {Aggregates} FROM usage{where} GROUP BY k ORDER BY sum(cost_nano_usd) DESC, k"))
            {
                bind(statement);
                while (statement.Step())
                {
                    groups.Add(new UsageGroup(statement.GetNullableString(0), ReadTotals(statement, 1)));
                }
            }

            using var total = connection.Prepare($"SELECT {Aggregates} FROM usage{where}");
            bind(total);
            total.Step();
            return new UsageReport(query, groups, ReadTotals(total, 0));
        }, cancellationToken);
    }

    public Task<IReadOnlyList<UsageRecord>> ListAsync(UsageListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, bind) = Filter(query.TenantId, query.From, query.To);
        return database.ReadAsync<IReadOnlyList<UsageRecord>>(connection =>
        {
            using var statement = connection.Prepare($"SELECT {Columns} FROM usage{where} ORDER BY ts DESC, id DESC LIMIT @limit");
            bind(statement);
            statement.Bind("@limit", Math.Clamp(query.Limit, 1, 100_000));
            var rows = new List<UsageRecord>();
            while (statement.Step())
            {
                rows.Add(ReadRecord(statement));
            }

            return rows;
        }, cancellationToken);
    }

    public Task<long> GetTenantCostAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        ScalarAsync("SELECT coalesce(sum(cost_nano_usd), 0) FROM usage WHERE tenant_id = @tenant AND ts >= @from AND ts < @to",
            s => s.Bind("@tenant", tenantId).Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks), cancellationToken);

    public Task<long> GetSessionCostAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default) =>
        ScalarAsync("SELECT coalesce(sum(cost_nano_usd), 0) FROM usage WHERE tenant_id = @tenant AND session_id = @session",
            s => s.Bind("@tenant", tenantId).Bind("@session", sessionId), cancellationToken);

    public Task<long> GetWorkflowTokensAsync(string tenantId, string workflowId, CancellationToken cancellationToken = default) =>
        ScalarAsync("SELECT coalesce(sum(input_tokens + output_tokens), 0) FROM usage WHERE tenant_id = @tenant AND workflow_id = @workflow",
            s => s.Bind("@tenant", tenantId).Bind("@workflow", workflowId), cancellationToken);

    public Task<WorkflowCalls> GetWorkflowCallsAsync(string tenantId, string workflowId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        return database.ReadAsync(connection =>
        {
            var prompts = new List<(string, string)>();
            using (var statement = connection.Prepare(
                "SELECT DISTINCT prompt_id, coalesce(prompt_version, '') FROM usage WHERE tenant_id = @tenant AND workflow_id = @workflow AND prompt_id IS NOT NULL ORDER BY 1, 2"))
            {
                statement.Bind("@tenant", tenantId).Bind("@workflow", workflowId);
                while (statement.Step())
                {
                    prompts.Add((statement.GetString(0), statement.GetString(1)));
                }
            }

            var models = new List<string>();
            using (var statement = connection.Prepare(
                "SELECT DISTINCT model FROM usage WHERE tenant_id = @tenant AND workflow_id = @workflow AND operation <> 'embedding' ORDER BY 1"))
            {
                statement.Bind("@tenant", tenantId).Bind("@workflow", workflowId);
                while (statement.Step())
                {
                    models.Add(statement.GetString(0));
                }
            }

            return new WorkflowCalls(prompts, models);
        }, cancellationToken);
    }

    private const string Aggregates =
        "count(*), coalesce(sum(outcome <> 'succeeded'), 0), coalesce(sum(estimated), 0), coalesce(sum(input_tokens), 0), " +
        "coalesce(sum(output_tokens), 0), coalesce(sum(cached_tokens), 0), coalesce(sum(cost_nano_usd), 0), coalesce(avg(latency_ms), 0)";

    private static UsageTotals ReadTotals(SqliteStatement s, int first) => new(
        s.GetInt64(first), s.GetInt64(first + 1), s.GetInt64(first + 2), s.GetInt64(first + 3), s.GetInt64(first + 4),
        s.GetInt64(first + 5), s.GetInt64(first + 6), s.GetDouble(first + 7));

    private static (string Where, Action<SqliteStatement> Bind) Filter(string? tenantId, DateTimeOffset? from, DateTimeOffset? to)
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

        var where = clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
        return (where, statement =>
        {
            if (tenantId is not null)
            {
                statement.Bind("@tenant", tenantId);
            }

            if (from is { } f)
            {
                statement.Bind("@from", f.UtcTicks);
            }

            if (to is { } t)
            {
                statement.Bind("@to", t.UtcTicks);
            }
        });
    }

    private Task<long> ScalarAsync(string sql, Action<SqliteStatement> bind, CancellationToken cancellationToken) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare(sql);
            bind(statement);
            statement.Step();
            return statement.GetInt64(0);
        }, cancellationToken);

    private static UsageRecord ReadRecord(SqliteStatement s) => new()
    {
        Id = s.GetString(0),
        Timestamp = new DateTimeOffset(s.GetInt64(1), TimeSpan.Zero),
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
        Estimated = s.GetInt64(16) != 0,
        Latency = TimeSpan.FromMilliseconds(s.GetDouble(17)),
        CostNanoUsd = s.GetInt64(18),
        Outcome = UsageOutcomes.Parse(s.GetString(19)),
        Error = s.GetNullableString(20),
        RoutingReason = s.GetNullableString(21),
    };
}
