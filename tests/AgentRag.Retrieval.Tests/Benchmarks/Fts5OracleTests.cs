using AgentRag.Retrieval.Analysis;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;
using AgentRag.Storage.Sqlite.Benchmarks;
using AgentRag.TestKit;

namespace AgentRag.Retrieval.Tests.Benchmarks;

/// <summary>SQLite FTS5, given the same stopwords, matches the same chunks as our BM25 engine: a correctness oracle.</summary>
public sealed class Fts5OracleTests
{
    [Fact]
    public void Search_OrOfTerms_MatchesTheSameChunksAsOurBm25()
    {
        using var fts5 = new Fts5Baseline(":memory:", EnglishStopWords.Words);
        fts5.Add(ToyCorpus.Documents);
        fts5.Optimize();
        var ours = new Bm25Index();
        foreach (var (id, text) in ToyCorpus.Documents)
        {
            ours.ReplaceDocument(id, [(id, text)]);
        }

        foreach (var query in new[] { "dog water", "cat bird fish", "the mat and the deep" })
        {
            var expected = ours.Search(KeywordQuery.FreeText(query), 10).Select(h => h.ChunkId).Order().ToList();
            fts5.Search(query, 10).Select(h => h.Id).Order().ToList().ShouldBe(expected, customMessage: query);
        }
    }
}
