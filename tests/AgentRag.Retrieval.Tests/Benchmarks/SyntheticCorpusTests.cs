using AgentRag.Retrieval.Benchmarks;

namespace AgentRag.Retrieval.Tests.Benchmarks;

public sealed class SyntheticCorpusTests
{
    private static readonly SyntheticCorpusOptions Small = new() { ChunkCount = 200, VocabularySize = 5000, MeanChunkWords = 150 };

    [Fact]
    public void Chunks_SameSeed_AreIdentical() =>
        new SyntheticCorpus(Small).Chunks().ShouldBe(new SyntheticCorpus(Small).Chunks());

    [Fact]
    public void Chunks_OtherSeed_Differ() =>
        new SyntheticCorpus(Small).Chunks().First().Text.ShouldNotBe(new SyntheticCorpus(Small with { Seed = 7 }).Chunks().First().Text);

    [Fact]
    public void Chunks_WordFrequencies_FollowZipf()
    {
        var corpus = new SyntheticCorpus(Small);
        var counts = corpus.Chunks().SelectMany(c => c.Text.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        var lengths = corpus.Chunks().Select(c => c.Text.Split(' ').Length).ToArray();

        lengths.Min().ShouldBeGreaterThanOrEqualTo(75);
        lengths.Max().ShouldBeLessThanOrEqualTo(225);
        // With s = 1, rank 1 is about twice as frequent as rank 2 and ten times rank 10.
        var ratio2 = (double)counts[corpus.Vocabulary[0]] / counts[corpus.Vocabulary[1]];
        var ratio10 = (double)counts[corpus.Vocabulary[0]] / counts[corpus.Vocabulary[9]];
        ratio2.ShouldBeInRange(1.6, 2.5);
        ratio10.ShouldBeInRange(7, 14);
    }

    [Fact]
    public void RunSynthetic_SmallCorpus_ReportsEveryQueryShape()
    {
        var result = new SearchBenchmark().RunSynthetic(Small with { ChunkCount = 2000 }, queriesPerShape: 20);

        result.Chunks.ShouldBe(2000);
        result.Latencies.Select(l => l.Shape).ShouldBe(["1-term OR", "2-term OR", "5-term OR"]);
        result.SnapshotBytes.ShouldBeGreaterThan(0);
    }
}
