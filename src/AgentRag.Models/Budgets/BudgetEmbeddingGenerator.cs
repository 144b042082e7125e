using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Telemetry;
using AgentRag.Models.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Models.Budgets;

/// <summary>
/// Checks the budgets before each embeddings call attributed to a tenant, with the call's estimated input tokens and
/// their cost at the embedding profile's prices, like <see cref="BudgetChatClient"/> does for chat. There is no cheaper
/// embedding model to move to, so a call over budget throws <see cref="BudgetExceededException"/> whatever the policy:
/// search then falls back to keywords with a warning, and ingestion fails the document with the budget's message.
/// Cached embeddings cost nothing and are not checked (the cache sits in front). Thread-safe.
/// </summary>
public sealed class BudgetEmbeddingGenerator(
    IEmbeddingGenerator<string, Embedding<float>> innerGenerator, ModelProfile profile, BudgetLedger ledger, ILogger<BudgetEmbeddingGenerator>? logger = null)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values as IReadOnlyList<string> ?? values.ToList();
        if (ledger.HasAnyBudget)
        {
            var context = options.GetContext();
            var tokens = list.Sum(TokenEstimator.Estimate);
            try
            {
                await ledger.ThrowIfExceededAsync(context, (tokens, profile.Prices.CostNanoUsd(tokens, 0, 0)), cancellationToken);
            }
            catch (BudgetExceededException ex)
            {
                ModelsTelemetry.RecordBudget(ex.Budget, "reject");
                _logger.LogWarning("Embeddings call refused: {Reason}", ex.Message);
                throw;
            }
        }

        return await base.GenerateAsync(list, options, cancellationToken);
    }
}
