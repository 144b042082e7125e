namespace AgentRag.Core.Benchmarks;

/// <summary>A hit of an <see cref="IKeywordBaseline"/>: the text's id and the engine's score (higher is better).</summary>
public readonly record struct BaselineHit(string Id, double Score);

/// <summary>
/// Another keyword engine that our BM25 engine is benchmarked against and checked with (SQLite FTS5 is the adapter
/// today): it indexes id/text pairs into a scratch index and ranks them for a free-text query. Single use and not
/// thread-safe; disposing it releases the index but leaves deleting its file to the caller.
/// </summary>
public interface IKeywordBaseline : IDisposable
{
    /// <summary>How many texts were added.</summary>
    int Count { get; }

    /// <summary>Adds texts; an id added twice is indexed twice.</summary>
    void Add(IEnumerable<(string Id, string Text)> texts);

    /// <summary>Brings the index into its queried shape (e.g. merges segments), as a built index would be.</summary>
    void Optimize();

    /// <summary>The best <paramref name="k"/> texts for the free-text <paramref name="query"/>, best first; empty when no word of it is searchable.</summary>
    IReadOnlyList<BaselineHit> Search(string query, int k);
}
