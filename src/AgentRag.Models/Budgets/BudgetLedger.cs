using System.Globalization;
using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Budgets;

/// <summary>
/// The configured budgets (<c>AgentRag:Models:Budgets</c>) and what each has used, from the recorded usage: what
/// <see cref="BudgetChatClient"/> checks before every call, and what a request can check before it starts any work
/// (<see cref="FindExhaustedAsync"/>). Thread-safe.
/// </summary>
public sealed class BudgetLedger(IUsageStore store, IOptions<ModelsOptions> options, TimeProvider timeProvider)
{
    private const string ModelSection = ModelsOptions.SectionName + ":Budgets";

    private readonly ModelBudgetOptions _options = options.Value.Budgets;
    private readonly IUsageStore _store = store;
    private readonly TimeProvider _time = timeProvider;

    /// <summary>True when any budget is configured.</summary>
    public bool HasAnyBudget =>
        _options.MaxTokensPerRequest is not null || _options.MaxUsdPerSession is not null
        || _options.MaxUsdPerTenantPerDay is not null || _options.MaxUsdPerTenantPerMonth is not null;

    /// <summary>
    /// The first spending budget (session, tenant per day, tenant per month) that <paramref name="tenantId"/> (in
    /// <paramref name="sessionId"/>, when given) has already used up, as the exception a model call would get; null
    /// when every one has room. No model call can fit an exhausted budget, whatever the policy: a request that needs a
    /// model can be refused before it starts.
    /// </summary>
    public async Task<BudgetExceededException?> FindExhaustedAsync(string tenantId, string? sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        if (!HasAnyBudget)
        {
            return null;
        }

        var scopes = await ReadScopesAsync(new ModelCallContext { TenantId = tenantId, SessionId = sessionId }, cancellationToken);
        return scopes.FirstOrDefault(s => s.Unit == "usd" && s.Used >= s.Limit)?.ToException((0, 0));
    }

    /// <summary>
    /// Throws the <see cref="BudgetExceededException"/> of the first budget that a call for <paramref name="context"/>
    /// needing <paramref name="estimate"/> would take past its limit (recorded use only; calls in flight are the caller's).
    /// </summary>
    internal async Task ThrowIfExceededAsync(ModelCallContext context, (long Tokens, long CostNanoUsd) estimate, CancellationToken cancellationToken)
    {
        var scopes = await ReadScopesAsync(context, cancellationToken);
        if (scopes.FirstOrDefault(s => s.Used + s.Need(estimate) > s.Limit) is { } exceeded)
        {
            throw exceeded.ToException(estimate);
        }
    }

    internal async Task<List<BudgetScope>> ReadScopesAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var scopes = new List<BudgetScope>();
        var now = _time.GetUtcNow().ToUniversalTime();
        if (_options.MaxTokensPerRequest is { } maxTokens)
        {
            var key = context.WorkflowId is { } workflow ? $"tokens|{context.TenantId}|{workflow}" : null;
            var used = context.WorkflowId is { } id ? await _store.GetWorkflowTokensAsync(context.TenantId, id, cancellationToken) : 0;
            scopes.Add(new BudgetScope(BudgetNames.RequestTokens, $"{ModelSection}:MaxTokensPerRequest", "tokens", maxTokens, used, key,
                context.WorkflowId is { } w ? $"workflow '{w}'" : "this request", null));
        }

        if (_options.MaxUsdPerSession is { } maxSession && context.SessionId is { } session)
        {
            var used = await _store.GetSessionCostAsync(context.TenantId, session, cancellationToken);
            scopes.Add(new BudgetScope(BudgetNames.SessionUsd, $"{ModelSection}:MaxUsdPerSession", "usd", NanoUsd.FromUsd(maxSession), used,
                $"session|{context.TenantId}|{session}", $"session '{session}'", null));
        }

        if (_options.MaxUsdPerTenantPerDay is { } maxDay)
        {
            var day = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
            var used = await _store.GetTenantCostAsync(context.TenantId, day, day.AddDays(1), cancellationToken);
            scopes.Add(new BudgetScope(BudgetNames.TenantDailyUsd, $"{ModelSection}:MaxUsdPerTenantPerDay", "usd", NanoUsd.FromUsd(maxDay), used,
                $"day|{context.TenantId}|{day:yyyy-MM-dd}", $"tenant '{context.TenantId}' on {day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", day.AddDays(1)));
        }

        if (_options.MaxUsdPerTenantPerMonth is { } maxMonth)
        {
            var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
            var used = await _store.GetTenantCostAsync(context.TenantId, month, month.AddMonths(1), cancellationToken);
            scopes.Add(new BudgetScope(BudgetNames.TenantMonthlyUsd, $"{ModelSection}:MaxUsdPerTenantPerMonth", "usd", NanoUsd.FromUsd(maxMonth), used,
                $"month|{context.TenantId}|{month:yyyy-MM}", $"tenant '{context.TenantId}' in {month.ToString("yyyy-MM", CultureInfo.InvariantCulture)}", month.AddMonths(1)));
        }

        return scopes;
    }
}

/// <summary>One budget as it applies to a call: limit and use in its unit (tokens, or nano-USD).</summary>
internal sealed class BudgetScope(string name, string setting, string unit, long limit, long used, string? key, string description, DateTimeOffset? resetsAt)
{
    public string Name { get; } = name;

    /// <summary><c>tokens</c> or <c>usd</c>.</summary>
    public string Unit { get; } = unit;

    public string? Key { get; } = key;

    public string Description { get; } = description;

    public long Limit { get; } = limit;

    public long Used { get; set; } = used;

    public long Need((long Tokens, long CostNanoUsd) estimate) => Unit == "tokens" ? estimate.Tokens : estimate.CostNanoUsd;

    public string Format(long value) => BudgetExceededException.Format(ToUnit(value), Unit);

    public BudgetExceededException ToException((long Tokens, long CostNanoUsd) estimate) =>
        new(Name, setting, Unit, ToUnit(Limit), ToUnit(Used), ToUnit(Need(estimate)), resetsAt, Description);

    public Dictionary<string, object?> ToData((long Tokens, long CostNanoUsd) estimate) => new()
    {
        ["budget"] = Name,
        ["setting"] = setting,
        ["unit"] = Unit,
        ["limit"] = ToUnit(Limit),
        ["used"] = ToUnit(Used),
        ["estimated"] = ToUnit(Need(estimate)),
        ["resetsAt"] = resetsAt,
        ["scope"] = Description,
    };

    private decimal ToUnit(long value) => Unit == "tokens" ? value : NanoUsd.ToUsd(value);
}
