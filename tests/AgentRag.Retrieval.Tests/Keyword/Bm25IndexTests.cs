using AgentRag.Core.Search;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Tests.Keyword;

public sealed class Bm25IndexTests
{
    private static Bm25Index ToyIndex(bool luceneNorms = true)
    {
        var index = new Bm25Index(new Bm25Options { LuceneLengthNorms = luceneNorms });
        index.ReplaceDocument("d1", [("c1", "apple banana apple")]);
        index.ReplaceDocument("d2", [("c2", "banana cherry")]);
        index.ReplaceDocument("d3", [("c3", "cherry cherry cherry date")]);
        return index;
    }

    private static IReadOnlyList<KeywordHit> Search(Bm25Index index, string query, int k = 10) =>
        index.Search(KeywordQueryParser.Parse(query), k);

    // Hand-computed: N = 3, avgdl = 3, k1 = 0.9, b = 0.4, idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
    // score = idf · tf / (tf + k1 · (1 - b + b · dl / avgdl)).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Search_ToyCorpus_MatchesHandComputedBm25(bool luceneNorms)
    {
        var index = ToyIndex(luceneNorms);

        var apple = Search(index, "apple");
        apple.Count.ShouldBe(1);
        apple[0].ChunkId.ShouldBe("c1");
        apple[0].Score.ShouldBe(0.676434f, 1e-5f);

        var hits = Search(index, "banana cherry");
        hits.Select(h => h.ChunkId).ShouldBe(["c2", "c3", "c1"]);
        hits[0].Score.ShouldBe(0.528094f, 1e-5f);
        hits[1].Score.ShouldBe(0.350749f, 1e-5f);
        hits[2].Score.ShouldBe(0.247370f, 1e-5f);
        hits[0].DocumentId.ShouldBe("d2");
    }

    [Fact]
    public void Search_RepeatedQueryTerm_WeighsLikeAnseriniBoost()
    {
        var index = ToyIndex();
        Search(index, "apple apple")[0].Score.ShouldBe(2 * 0.676434f, 1e-5f);
    }

    [Fact]
    public void Search_UnknownAndStopwordTerms_ReturnNothing()
    {
        var index = ToyIndex();
        Search(index, "zebra").ShouldBeEmpty();
        Search(index, "the of and").ShouldBeEmpty();
    }

    [Fact]
    public void RemoveDocument_Deleted_IsGoneAtOnceAndStatisticsMatchAFreshIndex()
    {
        var index = ToyIndex();
        index.RemoveDocument("d3").ShouldBe(1);

        var hits = Search(index, "banana cherry");
        hits.Select(h => h.ChunkId).ShouldBe(["c2", "c1"]);
        index.ContainsChunk("c3").ShouldBeFalse();
        index.ChunkCount.ShouldBe(2);

        var fresh = new Bm25Index();
        fresh.ReplaceDocument("d1", [("c1", "apple banana apple")]);
        fresh.ReplaceDocument("d2", [("c2", "banana cherry")]);
        hits.ShouldBe(Search(fresh, "banana cherry"));
        index.RemoveDocument("d3").ShouldBe(0);
    }

    [Fact]
    public void ReplaceDocument_Twice_IsIdempotentAndReplacesOldChunks()
    {
        var index = ToyIndex();
        index.ReplaceDocument("d1", [("c1a", "elderberry fig"), ("c1b", "grape")]);
        index.ReplaceDocument("d1", [("c1a", "elderberry fig"), ("c1b", "grape")]);

        Search(index, "apple").ShouldBeEmpty();
        Search(index, "grape").Single().ChunkId.ShouldBe("c1b");
        index.ChunkCount.ShouldBe(4);
    }

    [Fact]
    public void Search_PhraseQuery_RequiresConsecutiveTerms()
    {
        var index = new Bm25Index();
        index.ReplaceDocument("d1", [("c1", "read the table from a file")]);
        index.ReplaceDocument("d2", [("c2", "a table to read later")]);

        Search(index, "\"read the table\"").Select(h => h.ChunkId).ShouldBe(["c1"]);
        Search(index, "\"table read\"").ShouldBeEmpty();
        Search(index, "read table").Count.ShouldBe(2);
    }

    [Fact]
    public void Search_BooleanOperators_FilterMatches()
    {
        var index = new Bm25Index();
        index.ReplaceDocument("d1", [("c1", "alpha beta")]);
        index.ReplaceDocument("d2", [("c2", "alpha gamma")]);
        index.ReplaceDocument("d3", [("c3", "beta gamma")]);

        Ids(index, "alpha AND beta").ShouldBe(["c1"]);
        Ids(index, "alpha -beta").ShouldBe(["c2"]);
        Ids(index, "alpha NOT gamma").ShouldBe(["c1"]);
        Ids(index, "+gamma alpha").ShouldBe(["c2", "c3"]);
        Ids(index, "(alpha OR beta) AND gamma").OrderBy(x => x).ShouldBe(["c2", "c3"]);
        Ids(index, "NOT alpha").ShouldBeEmpty();
    }

    [Fact]
    public void Search_AllowedDocuments_RestrictsHits()
    {
        var index = ToyIndex();
        index.Search(KeywordQuery.FreeText("banana cherry"), 10, new HashSet<string> { "d1", "d3" })
            .Select(h => h.ChunkId).ShouldBe(["c3", "c1"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Search_RandomCorpus_PrunedTopKEqualsExhaustive(int seed)
    {
        var random = new Random(seed);
        var index = new Bm25Index();
        var vocabulary = Enumerable.Range(0, 400).Select(i => "w" + ToLetters(i)).ToArray();
        for (var d = 0; d < 1000; d++)
        {
            var chunks = Enumerable.Range(0, 3).Select(c =>
            {
                var words = Enumerable.Range(0, random.Next(1, 60)).Select(_ => vocabulary[Zipf(random, vocabulary.Length)]);
                return ($"c{d}-{c}", string.Join(' ', words));
            });
            index.ReplaceDocument("doc" + d, [.. chunks]);
        }

        // Deletions leave tombstones (below the compaction ratio) that pruning must skip.
        for (var d = 0; d < 150; d++)
        {
            index.RemoveDocument("doc" + random.Next(0, 1000));
        }

        for (var q = 0; q < 120; q++)
        {
            var terms = Enumerable.Range(0, random.Next(1, 6)).Select(_ => vocabulary[Zipf(random, vocabulary.Length)]);
            var query = KeywordQuery.FreeText(string.Join(' ', terms));
            var k = new[] { 1, 5, 10, 50 }[q % 4];
            index.Search(query, k).ShouldBe(index.SearchExhaustive(query, k), $"query '{query.Root}' k={k}");
        }
    }

    [Fact]
    public void Search_LongPostingLists_BlockSkippingEqualsExhaustive()
    {
        var random = new Random(5);
        var index = new Bm25Index();
        var vocabulary = Enumerable.Range(0, 60).Select(i => "t" + ToLetters(i)).ToArray();
        for (var d = 0; d < 20_000; d++)
        {
            var words = Enumerable.Range(0, random.Next(5, 80)).Select(_ => vocabulary[Zipf(random, vocabulary.Length)]);
            index.ReplaceDocument($"d{d}", [($"c{d}", string.Join(' ', words))]);
        }

        for (var q = 0; q < 40; q++)
        {
            var query = KeywordQuery.FreeText(string.Join(' ', Enumerable.Range(0, 1 + (q % 3)).Select(_ => vocabulary[random.Next(8)])));
            index.Search(query, 10).ShouldBe(index.SearchExhaustive(query, 10));
        }
    }

    [Theory]
    [InlineData("wa AND wb")]
    [InlineData("wa -wb wc")]
    [InlineData("+wa wb wc wd")]
    [InlineData("\"wa wb\" wc")]
    [InlineData("(wa OR wb) AND NOT wc")]
    public void Search_BooleanQueries_PrunedEqualsExhaustive(string text)
    {
        var random = new Random(3);
        var index = new Bm25Index();
        var vocabulary = new[] { "wa", "wb", "wc", "wd", "we", "wf" };
        for (var d = 0; d < 2000; d++)
        {
            var words = Enumerable.Range(0, random.Next(1, 12)).Select(_ => vocabulary[Zipf(random, vocabulary.Length)]);
            index.ReplaceDocument($"d{d}", [($"c{d}", string.Join(' ', words))]);
        }

        var query = KeywordQueryParser.Parse(text);
        index.Search(query, 10).ShouldBe(index.SearchExhaustive(query, 10));
    }

    [Fact]
    public void Compact_AfterDeletes_KeepsResults()
    {
        var index = ToyIndex();
        index.ReplaceDocument("d4", [("c4", "banana split")]);
        index.RemoveDocument("d4");
        var before = Search(index, "banana cherry date");

        index.Compact();

        Search(index, "banana cherry date").ShouldBe(before);
    }

    [Fact]
    public void ReadSnapshot_RoundTrip_GivesSameResults()
    {
        var index = ToyIndex();
        index.RemoveDocument("d1");
        using var stream = new MemoryStream();
        index.WriteSnapshot(stream);
        stream.Position = 0;

        var loaded = Bm25Index.ReadSnapshot(stream);

        loaded.ChunkCount.ShouldBe(2);
        Search(loaded, "banana cherry date").ShouldBe(Search(index, "banana cherry date"));
    }

    [Fact]
    public void ReadSnapshot_Truncated_ThrowsInvalidData()
    {
        using var stream = new MemoryStream();
        ToyIndex().WriteSnapshot(stream);
        using var truncated = new MemoryStream(stream.ToArray()[..(int)(stream.Length / 2)]);

        Should.Throw<InvalidDataException>(() => Bm25Index.ReadSnapshot(truncated)).Message.ShouldContain("truncated");
    }

    [Fact]
    public void GetTermVector_Chunk_ReturnsAnalyzedTermFrequencies() =>
        ToyIndex().GetTermVector("c3")!.ShouldBe(new Dictionary<string, int> { ["cherri"] = 3, ["date"] = 1 });

    [Fact]
    public void Options_OutOfRange_ThrowNamingTheSetting() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new Bm25Index(new Bm25Options { B = 1.5f })).Message.ShouldContain("AgentRag:Retrieval:Bm25:B");

    [Fact]
    public void Search_WithRm3_AddsFeedbackTermsFromTopDocuments()
    {
        var index = new Bm25Index();
        index.ReplaceDocument("d1", [("c1", "solar panel efficiency photovoltaic")]);
        index.ReplaceDocument("d2", [("c2", "photovoltaic cells convert sunlight")]);
        for (var i = 0; i < 30; i++)
        {
            index.ReplaceDocument($"n{i}", [($"n{i}", $"unrelated filler text number {i}")]);
        }

        var plain = index.Search(KeywordQuery.FreeText("solar"), 10);
        var expanded = index.Search(KeywordQuery.FreeText("solar"), 10, rm3: new Rm3Options());

        plain.Select(h => h.ChunkId).ShouldBe(["c1"]);
        expanded.Select(h => h.ChunkId).ShouldBe(["c1", "c2"]); // reached through "photovoltaic"
    }

    private static string[] Ids(Bm25Index index, string query) => Search(index, query).Select(h => h.ChunkId).ToArray();

    private static int Zipf(Random random, int n)
    {
        // Inverse-CDF sampling of a 1/rank distribution, good enough for a skewed test vocabulary.
        var u = random.NextDouble();
        return Math.Min(n - 1, (int)Math.Floor(Math.Pow(n + 1, u)) - 1);
    }

    private static string ToLetters(int i)
    {
        var s = "";
        do
        {
            s = (char)('a' + (i % 26)) + s;
            i /= 26;
        }
        while (i > 0);
        return s;
    }
}
