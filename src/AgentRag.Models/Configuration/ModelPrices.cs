namespace AgentRag.Models.Configuration;

/// <summary>USD per 1M tokens for one model. Costs are computed in nano-USD integers so sums are exact.</summary>
public sealed record ModelPrices(decimal InputPer1M, decimal OutputPer1M, decimal CachedInputPer1M)
{
    public static ModelPrices Free { get; } = new(0, 0, 0);

    /// <summary>
    /// The cost of a call in nano-USD (10⁻⁹ USD), rounded half away from zero. Cached input tokens are part of
    /// <paramref name="inputTokens"/> and are billed at the cached price.
    /// </summary>
    public long CostNanoUsd(long inputTokens, long outputTokens, long cachedTokens)
    {
        var cached = Math.Clamp(cachedTokens, 0, Math.Max(0, inputTokens));
        // price per 1M tokens in USD = price * 1000 nano-USD per token.
        var nanos = ((inputTokens - cached) * InputPer1M + cached * CachedInputPer1M + outputTokens * OutputPer1M) * 1000m;
        return (long)decimal.Round(nanos, MidpointRounding.AwayFromZero);
    }
}

/// <summary>
/// Published list prices of common OpenAI models, used when a profile sets none. They change: set
/// <c>InputPricePer1M</c>/<c>OutputPricePer1M</c>/<c>CachedInputPricePer1M</c> on the profile to be exact.
/// Unknown models (local servers) cost 0.
/// </summary>
public static class KnownModelPrices
{
    private static readonly Dictionary<string, ModelPrices> Prices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-4o-mini"] = new(0.15m, 0.60m, 0.075m),
        ["gpt-4o"] = new(2.50m, 10.00m, 1.25m),
        ["gpt-4.1"] = new(2.00m, 8.00m, 0.50m),
        ["gpt-4.1-mini"] = new(0.40m, 1.60m, 0.10m),
        ["gpt-4.1-nano"] = new(0.10m, 0.40m, 0.025m),
        ["text-embedding-3-small"] = new(0.02m, 0m, 0.02m),
        ["text-embedding-3-large"] = new(0.13m, 0m, 0.13m),
    };

    /// <summary>The list price of <paramref name="model"/>, or null when it is not a known OpenAI model.</summary>
    public static ModelPrices? Find(string model) => Prices.GetValueOrDefault(model);
}
