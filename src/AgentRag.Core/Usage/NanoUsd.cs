namespace AgentRag.Core.Usage;

/// <summary>Costs are kept in nano-USD (10⁻⁹ USD) integers so that sums are exact; these convert at the edges.</summary>
public static class NanoUsd
{
    private const decimal PerUsd = 1_000_000_000m;

    /// <summary>The USD amount of <paramref name="nanoUsd"/>, exactly.</summary>
    public static decimal ToUsd(long nanoUsd) => nanoUsd / PerUsd;

    /// <summary>The nano-USD amount of <paramref name="usd"/>, rounded half away from zero.</summary>
    public static long FromUsd(decimal usd) => (long)decimal.Round(usd * PerUsd, MidpointRounding.AwayFromZero);
}
