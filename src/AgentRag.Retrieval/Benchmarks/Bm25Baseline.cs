using AgentRag.Core.Benchmarks;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Benchmarks;

/// <summary>
/// Our own BM25 engine (<see cref="Bm25Index"/> with the product's default <see cref="Bm25Options"/>) behind
/// <see cref="IKeywordBaseline"/>, so a peer comparison runs every engine through the same harness: the same timing loop,
/// warm-up, tie order and metrics. Each text is one document of one chunk, as <c>agentrag eval</c> indexes BEIR. In
/// memory only; not thread-safe.
/// </summary>
public sealed class Bm25Baseline(Bm25Options? options = null) : IKeywordBaseline
{
    private readonly Bm25Index _index = new(options);

    public int Count => _index.ChunkCount;

    public void Add(IEnumerable<(string Id, string Text)> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        foreach (var (id, text) in texts)
        {
            _index.ReplaceDocument(id, [(id, text)]);
        }
    }

    /// <summary>Nothing to do: the index is queryable as it is built.</summary>
    public void Optimize()
    {
    }

    public IReadOnlyList<BaselineHit> Search(string query, int k) =>
        [.. _index.Search(KeywordQuery.FreeText(query), k).Select(h => new BaselineHit(h.ChunkId, h.Score))];

    public void Dispose()
    {
    }
}
