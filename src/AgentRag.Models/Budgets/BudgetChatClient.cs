using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Telemetry;
using AgentRag.Models.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Budgets;

/// <summary>
/// Checks every configured budget BEFORE each chat call, with that call's estimated tokens (input estimate + its output
/// limit) and cost (at its profile's prices), against the usage already recorded plus calls still in flight. Over budget,
/// it throws <see cref="BudgetExceededException"/>, or with <see cref="BudgetExceededPolicy.Downgrade"/> moves the call to
/// the <c>cheap</c> profile with a warning when that fits. The first call that takes a budget past its warning threshold
/// (90%) emits <c>budget.warning</c> once per budget and window. Thread-safe.
/// </summary>
public sealed class BudgetChatClient : DelegatingChatClient
{
    private readonly ModelCatalog _catalog;
    private readonly BudgetLedger _ledger;
    private readonly ModelBudgetOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, long> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _warned = new(StringComparer.Ordinal);

    public BudgetChatClient(
        IChatClient innerClient, ModelCatalog catalog, BudgetLedger ledger, IOptions<ModelsOptions> options, ILogger<BudgetChatClient>? logger = null)
        : base(innerClient)
    {
        _catalog = catalog;
        _ledger = ledger;
        _options = options.Value.Budgets;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var admission = await AdmitAsync(list, options, cancellationToken);
        try
        {
            var response = await base.GetResponseAsync(list, admission.Options, cancellationToken);
            if (admission.Warnings.Count > 0)
            {
                response.AddWarnings(admission.Warnings);
            }

            return response;
        }
        finally
        {
            Release(admission);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var admission = await AdmitAsync(list, options, cancellationToken);
        try
        {
            if (admission.Warnings.Count > 0)
            {
                yield return ModelCallOptions.CreateMarkerUpdate(admission.Warnings);
            }

            await foreach (var update in base.GetStreamingResponseAsync(list, admission.Options, cancellationToken))
            {
                yield return update;
            }
        }
        finally
        {
            Release(admission);
        }
    }

    /// <summary>The estimate a budget check uses for a call on <paramref name="profile"/>.</summary>
    public static (long Tokens, long CostNanoUsd) Estimate(IEnumerable<ChatMessage> messages, ChatOptions? options, ModelProfile profile)
    {
        var input = TokenEstimator.EstimateInput(messages, options);
        var output = (long)(options?.MaxOutputTokens ?? profile.MaxOutputTokens);
        return (input + output, profile.Prices.CostNanoUsd(input, output, 0));
    }

    private async Task<Admission> AdmitAsync(IList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var context = options.GetContext();
        var profileName = options.GetProfile();
        if (!_ledger.HasAnyBudget || !_catalog.TryGet(profileName, out var profile))
        {
            return new Admission(options, [], []);
        }

        var estimate = Estimate(messages, options, profile);
        var scopes = await ReadScopesAsync(context, cancellationToken);
        var exceeded = FirstExceeded(scopes, estimate);
        if (exceeded is null)
        {
            await WarnAsync(context, scopes, estimate, cancellationToken);
            return Reserve(options, scopes, estimate, []);
        }

        if (_options.OnExceeded == BudgetExceededPolicy.Downgrade
            && !profileName.Equals(ModelProfileNames.Cheap, StringComparison.OrdinalIgnoreCase)
            && _catalog.TryGet(ModelProfileNames.Cheap, out var cheap))
        {
            var cheapEstimate = Estimate(messages, options, cheap);
            if (FirstExceeded(scopes, cheapEstimate) is null)
            {
                var warning = $"Budget '{exceeded.Name}' would be exceeded on '{profileName}'; answered with the cheap model ({cheap.Model}).";
                ModelsTelemetry.RecordBudget(exceeded.Name, "downgrade");
                await ModelEvents.PublishAsync(context, new ModelEvent(ModelEventTypes.BudgetDowngrade, warning, exceeded.ToData(cheapEstimate)), _logger, cancellationToken);
                await WarnAsync(context, scopes, cheapEstimate, cancellationToken);
                var downgradedContext = context with
                {
                    RoutingReason = $"budget downgrade: {exceeded.Name}" + (context.RoutingReason is null ? "" : $" (was: {context.RoutingReason})"),
                };
                var downgraded = options.WithProfile(ModelProfileNames.Cheap).WithContext(downgradedContext);
                return Reserve(downgraded, scopes, cheapEstimate, [warning]);
            }
        }

        ModelsTelemetry.RecordBudget(exceeded.Name, "reject");
        var error = exceeded.ToException(estimate);
        _logger.LogWarning("Model call refused: {Reason}", error.Message);
        throw error;
    }

    private async Task<List<BudgetScope>> ReadScopesAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var scopes = await _ledger.ReadScopesAsync(context, cancellationToken);
        foreach (var scope in scopes)
        {
            scope.Used += scope.Key is not null && _inFlight.TryGetValue(scope.Key, out var reserved) ? reserved : 0;
        }

        return scopes;
    }

    private static BudgetScope? FirstExceeded(List<BudgetScope> scopes, (long Tokens, long CostNanoUsd) estimate) =>
        scopes.FirstOrDefault(s => s.Used + s.Need(estimate) > s.Limit);

    private async Task WarnAsync(ModelCallContext context, List<BudgetScope> scopes, (long Tokens, long CostNanoUsd) estimate, CancellationToken cancellationToken)
    {
        foreach (var scope in scopes)
        {
            var after = scope.Used + scope.Need(estimate);
            if (after < _options.WarningThreshold * scope.Limit)
            {
                continue;
            }

            // Once per budget and window; a budget without a key (a single request) warns every time it applies.
            if (scope.Key is not null && !_warned.TryAdd(scope.Key, 0))
            {
                continue;
            }

            ModelsTelemetry.RecordBudget(scope.Name, "warning");
            var percent = scope.Limit == 0 ? 100 : (int)Math.Round(100.0 * after / scope.Limit);
            await ModelEvents.PublishAsync(context, new ModelEvent(ModelEventTypes.BudgetWarning,
                $"Budget '{scope.Name}' for {scope.Description} is at {percent}% ({scope.Format(after)} of {scope.Format(scope.Limit)}) including this call.",
                scope.ToData(estimate)), _logger, cancellationToken);
        }
    }

    private Admission Reserve(ChatOptions? options, List<BudgetScope> scopes, (long Tokens, long CostNanoUsd) estimate, IReadOnlyList<string> warnings)
    {
        var reservations = new List<(string Key, long Amount)>();
        foreach (var scope in scopes)
        {
            if (scope.Key is not null)
            {
                var amount = scope.Need(estimate);
                _inFlight.AddOrUpdate(scope.Key, amount, (_, existing) => existing + amount);
                reservations.Add((scope.Key, amount));
            }
        }

        return new Admission(options, warnings, reservations);
    }

    private void Release(Admission admission)
    {
        foreach (var (key, amount) in admission.Reservations)
        {
            var left = _inFlight.AddOrUpdate(key, 0, (_, existing) => existing - amount);
            if (left <= 0)
            {
                _inFlight.TryRemove(new KeyValuePair<string, long>(key, left));
            }
        }
    }

    private sealed record Admission(ChatOptions? Options, IReadOnlyList<string> Warnings, IReadOnlyList<(string Key, long Amount)> Reservations);
}
