using System.Text;

namespace AgentRag.Retrieval.Benchmarks;

/// <summary>Shape of a <see cref="SyntheticCorpus"/>.</summary>
public sealed record SyntheticCorpusOptions
{
    public int Seed { get; init; } = 42;

    public int ChunkCount { get; init; } = 1_000_000;

    /// <summary>Mean words per chunk; lengths are uniform in [mean/2, 3·mean/2].</summary>
    public int MeanChunkWords { get; init; } = 150;

    public int VocabularySize { get; init; } = 200_000;

    /// <summary>Zipf exponent s: the word of rank r has probability ∝ 1/r^s.</summary>
    public double ZipfExponent { get; init; } = 1.0;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ChunkCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(MeanChunkWords, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(VocabularySize, 10);
        if (!double.IsFinite(ZipfExponent) || ZipfExponent <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ZipfExponent), ZipfExponent, "ZipfExponent must be positive.");
        }
    }
}

/// <summary>
/// A reproducible synthetic text corpus: words are pronounceable letter strings (never stopwords) drawn from a
/// Zipfian distribution, so a few words are in almost every chunk and most are rare, as in natural text.
/// The same options always give the same chunks. Not thread-safe.
/// </summary>
public sealed class SyntheticCorpus
{
    private const string Consonants = "bcdfghjklmnprstvwz";
    private const string Vowels = "aeiou";

    private const int BucketBits = 20;

    private readonly SyntheticCorpusOptions _options;
    private readonly double[] _cumulative;
    private readonly int[] _bucketStart;

    public SyntheticCorpus(SyntheticCorpusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Vocabulary = BuildVocabulary(options.VocabularySize, options.Seed);
        _cumulative = new double[options.VocabularySize];
        var sum = 0.0;
        for (var r = 0; r < options.VocabularySize; r++)
        {
            sum += 1.0 / Math.Pow(r + 1, options.ZipfExponent);
            _cumulative[r] = sum;
        }

        for (var r = 0; r < options.VocabularySize; r++)
        {
            _cumulative[r] /= sum;
        }

        // Inverse-CDF lookup table: the first rank of each of 2^20 equal slices of [0, 1), so a draw needs a short scan.
        _bucketStart = new int[(1 << BucketBits) + 1];
        var rank = 0;
        for (var b = 0; b <= 1 << BucketBits; b++)
        {
            var threshold = (double)b / (1 << BucketBits);
            while (rank < _cumulative.Length - 1 && _cumulative[rank] < threshold)
            {
                rank++;
            }

            _bucketStart[b] = rank;
        }
    }

    /// <summary>Words by frequency rank: index 0 is the most frequent.</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>Draws a word rank from the Zipf distribution.</summary>
    public int SampleRank(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u = random.NextDouble();
        var rank = _bucketStart[(int)(u * (1 << BucketBits))];
        while (rank < _cumulative.Length - 1 && _cumulative[rank] < u)
        {
            rank++;
        }

        return rank;
    }

    /// <summary>The chunks as (id, text), generated lazily in order.</summary>
    public IEnumerable<(string Id, string Text)> Chunks()
    {
        var random = new Random(_options.Seed);
        var builder = new StringBuilder(_options.MeanChunkWords * 10);
        for (var i = 0; i < _options.ChunkCount; i++)
        {
            builder.Clear();
            var words = random.Next(_options.MeanChunkWords / 2, (_options.MeanChunkWords * 3 / 2) + 1);
            for (var w = 0; w < words; w++)
            {
                if (w > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(Vocabulary[SampleRank(random)]);
            }

            yield return ($"syn_{i}", builder.ToString());
        }
    }

    private static string[] BuildVocabulary(int size, int seed)
    {
        var random = new Random(seed ^ 0x5EED);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<string>(size);
        var builder = new StringBuilder();
        while (ordered.Count < size)
        {
            builder.Clear();
            var syllables = 2 + random.Next(3);
            for (var s = 0; s < syllables; s++)
            {
                builder.Append(Consonants[random.Next(Consonants.Length)]).Append(Vowels[random.Next(Vowels.Length)]);
            }

            builder.Append(Consonants[random.Next(Consonants.Length)]);
            var word = builder.ToString();
            if (words.Add(word))
            {
                ordered.Add(word);
            }
        }

        return [.. ordered];
    }
}
