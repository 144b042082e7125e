using AgentRag.Core.Search;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;
using AgentRag.TestKit;
using Xunit.Abstractions;

namespace AgentRag.Retrieval.Tests.Keyword;

/// <summary>
/// SciFact (5,183 abstracts, 300 test queries) in one BM25 index and split by document over two partitions: the
/// scatter-gather with global statistics returns one index's top 10, scores included (bit for bit).
/// </summary>
public sealed class Bm25PartitionsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SearchAsync_SciFactOverTwoPartitions_ReturnsOneIndexsTop10WithTheSameScores()
    {
        var dataset = await BeirDataset.LoadAsync(SharedPaths.SciFact);
        var single = new Bm25Index();
        Bm25Index[] parts = [new(), new()];
        foreach (var document in dataset.Corpus)
        {
            single.ReplaceDocument(document.Id, [(document.Id, document.FlatText)]);
            parts[Bm25Partitions.PartitionOf(document.Id, 2)].ReplaceDocument(document.Id, [(document.Id, document.FlatText)]);
        }

        parts.ShouldAllBe(part => part.ChunkCount > dataset.Corpus.Count / 3);
        IBm25Partition[] partitions = [.. parts.Select(Bm25Partitions.Local)];
        int identical = 0, localIdfDiffers = 0;
        foreach (var query in dataset.Queries)
        {
            var parsed = KeywordQuery.FreeText(query.Text);
            var expected = single.Search(parsed, 10);
            var deeper = single.Search(parsed, 20).ToHashSet();

            var merged = await Bm25Partitions.SearchAsync(partitions, parsed, 10);

            // The same scores rank by rank, bit for bit, each hit one of the single index's with exactly that score: equal
            // but for the order of exactly tied chunks (one index puts the earlier-indexed first, the merge the earlier partition).
            expected.Count.ShouldBe(10, query.Text);
            merged.Select(hit => hit.Score).ShouldBe(expected.Select(hit => hit.Score), $"query {query.Id}: {query.Text}");
            merged.ShouldAllBe(hit => deeper.Contains(hit), $"query {query.Id}: {query.Text}");
            merged.Select(hit => hit.ChunkId).Distinct().Count().ShouldBe(10);
            identical += merged.SequenceEqual(expected) ? 1 : 0;
            localIdfDiffers += MergeWithLocalIdf(parts, parsed).SequenceEqual(expected) ? 0 : 1;
        }

        output.WriteLine($"{identical} of {dataset.Queries.Count} queries: the same list; per-partition idf would change {localIdfDiffers}.");
        // Ties are rare: all but a few queries give the very same list.
        identical.ShouldBeGreaterThan(dataset.Queries.Count - 5);
        // Each partition's own idf and average length would not do: the merged top 10 then differs for most queries.
        localIdfDiffers.ShouldBeGreaterThan(dataset.Queries.Count / 2);
    }

    [Fact]
    public async Task SearchAsync_BooleanQueryWithFilter_MatchesOneIndex()
    {
        var single = new Bm25Index();
        Bm25Index[] parts = [new(), new()];
        string[] texts =
        [
            "the url standard parses a relative input against a base url",
            "process exit codes and the beforeExit event of a node process",
            "a base url with a relative path and a query string",
            "url parsing in node follows the whatwg url standard",
            "exit the process with a non zero code on failure",
        ];
        for (var i = 0; i < texts.Length; i++)
        {
            single.ReplaceDocument($"d{i}", [($"c{i}", texts[i])]);
            parts[(i + (i / 2)) % 2].ReplaceDocument($"d{i}", [($"c{i}", texts[i])]); // d0, d3, d4 | d1, d2
        }

        var query = KeywordQueryParser.Parse("+url \"relative input\" base -node");
        IReadOnlySet<string> allowed = new HashSet<string> { "d0", "d2", "d3" };

        var merged = await Bm25Partitions.SearchAsync([.. parts.Select(Bm25Partitions.Local)], query, 10, allowed);

        merged.ShouldBe(single.Search(query, 10, allowed));
        merged.Select(h => h.ChunkId).ShouldBe(["c0", "c2"]);
    }

    [Fact]
    public void PartitionOf_SameDocument_SamePartitionAndSpreadsDocuments()
    {
        Bm25Partitions.PartitionOf("doc_0001", 4).ShouldBe(Bm25Partitions.PartitionOf("doc_0001", 4));
        Enumerable.Range(0, 400).Select(i => Bm25Partitions.PartitionOf($"doc_{i:D4}", 4)).Distinct().Count().ShouldBe(4);
        Should.Throw<ArgumentOutOfRangeException>(() => Bm25Partitions.PartitionOf("doc", 0));
    }

    private static List<KeywordHit> MergeWithLocalIdf(Bm25Index[] parts, KeywordQuery query) =>
        [.. parts.SelectMany(part => part.Search(query, 10)).OrderByDescending(hit => hit.Score).Take(10)];
}
