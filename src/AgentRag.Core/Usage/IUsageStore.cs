namespace AgentRag.Core.Usage;

/// <summary>
/// Durable usage rows, one per model call, and their aggregates. Thread-safe. Reads filter on the tenant unless the
/// query explicitly asks for every tenant (a null tenant).
/// </summary>
public interface IUsageStore
{
    /// <summary>Stores a row; completes once it is durable. Recording the same id twice fails.</summary>
    Task RecordAsync(UsageRecord record, CancellationToken cancellationToken = default);

    /// <summary>Aggregates rows; the totals equal the sums of the rows matched, exactly.</summary>
    Task<UsageReport> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default);

    /// <summary>Individual rows, newest first.</summary>
    Task<IReadOnlyList<UsageRecord>> ListAsync(UsageListQuery query, CancellationToken cancellationToken = default);

    /// <summary>USD (nano) spent by a tenant in [from, to).</summary>
    Task<long> GetTenantCostAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>USD (nano) spent by one session of a tenant.</summary>
    Task<long> GetSessionCostAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Tokens (input + output) used by one workflow of a tenant.</summary>
    Task<long> GetWorkflowTokensAsync(string tenantId, string workflowId, CancellationToken cancellationToken = default);

    /// <summary>The distinct prompt versions and models of one workflow's recorded calls (empty for a workflow that called no model).</summary>
    Task<WorkflowCalls> GetWorkflowCallsAsync(string tenantId, string workflowId, CancellationToken cancellationToken = default);
}

/// <summary>What a workflow's model calls used: prompt versions (<c>id@version</c> pairs) and model names, each sorted and distinct.</summary>
public sealed record WorkflowCalls(IReadOnlyList<(string PromptId, string Version)> Prompts, IReadOnlyList<string> Models);
