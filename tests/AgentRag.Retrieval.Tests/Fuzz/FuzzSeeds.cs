using CsCheck;

namespace AgentRag.Retrieval.Tests.Fuzz;

/// <summary>
/// The fixed seeds of the fuzz and property tests, so every run of <c>./test.sh</c> tries the same inputs. To explore
/// further, set <c>AGENTRAG_FUZZ_SEED</c> (a number) and run the tests in <c>Fuzz/</c>: a failure message names the
/// seed and the input; add a failing input under <c>Fuzz/regressions/</c>.
/// </summary>
internal static class FuzzSeeds
{
    /// <summary>The base seed; <c>AGENTRAG_FUZZ_SEED</c> overrides it.</summary>
    public static ulong Base { get; } = ulong.TryParse(Environment.GetEnvironmentVariable("AGENTRAG_FUZZ_SEED"), out var seed) ? seed : 20261206;

    /// <summary>CsCheck seed of the parser property (one sample of <see cref="ParserSamples"/> strings).</summary>
    public static string Parser { get; } = new PCG(1, Base).ToString();

    /// <summary>CsCheck seed of the search property.</summary>
    public static string Search { get; } = new PCG(2, Base).ToString();

    public const int ParserSamples = 3000;

    public const int SearchSamples = 300;

    /// <summary>The seed of one format's mutations in the extraction corpus.</summary>
    public static int Mutations(string format) => unchecked((int)Base * 31 + StableHash(format));

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }

        return hash;
    }
}
