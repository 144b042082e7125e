using System.Text;
using AgentRag.Core.Search;
using AgentRag.Retrieval.Persistence;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// One partition of a collection sharded by document (each document's chunks all in one partition): an in-process
/// <see cref="Bm25Index"/>, or a partition grain on another replica. Implementations are thread-safe.
/// </summary>
public interface IBm25Partition
{
    /// <summary>The partition's share of <paramref name="query"/>'s statistics (<see cref="Bm25Index.GetStatistics"/>).</summary>
    ValueTask<Bm25Statistics> GetStatisticsAsync(KeywordQuery query, CancellationToken cancellationToken = default);

    /// <summary>The partition's top <paramref name="k"/> scored with the collection's <paramref name="statistics"/> (<see cref="Bm25Index.Search(KeywordQuery, int, Bm25Statistics, IReadOnlySet{string})"/>).</summary>
    ValueTask<IReadOnlyList<KeywordHit>> SearchAsync(KeywordQuery query, int k, Bm25Statistics statistics, IReadOnlySet<string>? allowedDocumentIds, CancellationToken cancellationToken = default);
}

/// <summary>
/// Scatter-gather BM25 over the partitions of one collection with global statistics: first every partition's
/// statistics are collected and summed (N, tokens, each term's df), then every partition returns its top k scored
/// with the sums, and the hits are merged by score. Each chunk's score is then computed from exactly the numbers one
/// index over every document would use, in the same single-precision arithmetic, so the merged top k equals that
/// index's, scores included (bit for bit). Per-partition idf would not: a term rare in one partition and common in
/// another would score differently in each. Equal scores from different partitions are ordered by partition, then by
/// the partition's own order (one index orders them by indexing order instead), so where the k-th score is tied the
/// tied chunk kept may differ. Two round trips per query.
/// </summary>
public static class Bm25Partitions
{
    /// <summary>The merged top <paramref name="k"/> of <paramref name="partitions"/> for <paramref name="query"/>, best first.</summary>
    public static async Task<IReadOnlyList<KeywordHit>> SearchAsync(
        IReadOnlyList<IBm25Partition> partitions, KeywordQuery query, int k, IReadOnlySet<string>? allowedDocumentIds = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var shares = await Task.WhenAll(partitions.Select(p => p.GetStatisticsAsync(query, cancellationToken).AsTask()));
        var statistics = Bm25Statistics.Sum(shares);
        var results = await Task.WhenAll(partitions.Select(p => p.SearchAsync(query, k, statistics, allowedDocumentIds, cancellationToken).AsTask()));
        return [.. results
            .SelectMany((hits, partition) => hits.Select((hit, rank) => (hit, partition, rank)))
            .OrderByDescending(h => h.hit.Score).ThenBy(h => h.partition).ThenBy(h => h.rank)
            .Take(k)
            .Select(h => h.hit)];
    }

    /// <summary>The partition of <paramref name="documentId"/> among <paramref name="count"/>: a stable hash (64-bit FNV-1a of its UTF-8), the same in every process.</summary>
    public static int PartitionOf(string documentId, int count)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)(RecordJournal.Fnv1a(Encoding.UTF8.GetBytes(documentId)) % (ulong)count);
    }

    /// <summary>An in-process index as a partition.</summary>
    public static IBm25Partition Local(Bm25Index index) => new LocalPartition(index ?? throw new ArgumentNullException(nameof(index)));

    private sealed class LocalPartition(Bm25Index index) : IBm25Partition
    {
        public ValueTask<Bm25Statistics> GetStatisticsAsync(KeywordQuery query, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(index.GetStatistics(query));

        public ValueTask<IReadOnlyList<KeywordHit>> SearchAsync(
            KeywordQuery query, int k, Bm25Statistics statistics, IReadOnlySet<string>? allowedDocumentIds, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(index.Search(query, k, statistics, allowedDocumentIds));
    }
}
