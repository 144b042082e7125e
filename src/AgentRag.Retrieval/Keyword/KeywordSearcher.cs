using AgentRag.Core.Search;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// Keyword search over a tenant's <see cref="IKeywordIndex"/>: parses the query syntax, resolves filters to documents and returns
/// the top chunks with their BM25 scores. Thread-safe.
/// </summary>
public sealed class KeywordSearcher(IKeywordIndex index, IDocumentFilterResolver? filterResolver = null)
{
    /// <summary>
    /// Parses <paramref name="query"/> (see <see cref="KeywordQueryParser"/>) and searches.
    /// Throws <see cref="QuerySyntaxException"/> for malformed queries.
    /// </summary>
    public Task<IReadOnlyList<KeywordHit>> SearchAsync(
        string tenantId, string query, int k, SearchFilters? filters = null, Rm3Options? rm3 = null, CancellationToken cancellationToken = default) =>
        SearchAsync(tenantId, KeywordQueryParser.Parse(query), k, filters, rm3, cancellationToken);

    /// <summary>
    /// Searches with a parsed query; <paramref name="filters"/> (the structured API's) combine with the query's own.
    /// Throws <see cref="InvalidOperationException"/> when date or language filters are used without a
    /// <see cref="IDocumentFilterResolver"/>, and <see cref="ArgumentOutOfRangeException"/> when k is not positive.
    /// </summary>
    public async Task<IReadOnlyList<KeywordHit>> SearchAsync(
        string tenantId, KeywordQuery query, int k, SearchFilters? filters = null, Rm3Options? rm3 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var combined = filters is null ? query.Filters : query.Filters.And(filters);
        IReadOnlySet<string>? allowed = null;
        if (!combined.IsEmpty)
        {
            if (filterResolver is not null)
            {
                allowed = await filterResolver.ResolveAsync(tenantId, combined, cancellationToken);
            }
            else if (combined.After is null && combined.Before is null && combined.Language is null)
            {
                allowed = new HashSet<string>(combined.Documents ?? [], StringComparer.Ordinal);
            }
            else
            {
                throw new InvalidOperationException("Date and language filters need document metadata: register an IDocumentFilterResolver (an IDocumentStore).");
            }
        }

        return await index.SearchAsync(tenantId, query.Root, k, allowed, rm3, cancellationToken);
    }

    /// <summary>
    /// How a free-text query's BM25 scores scale in the tenant's index: its live chunks and the most the query's terms
    /// could score (see <see cref="IKeywordIndex.GetScoreBoundAsync"/>).
    /// </summary>
    public async Task<KeywordScoreScale> GetScoreScaleAsync(string tenantId, string text, CancellationToken cancellationToken = default)
    {
        var info = await index.GetInfoAsync(tenantId, cancellationToken);
        return new KeywordScoreScale(info.Chunks, await index.GetScoreBoundAsync(tenantId, text, cancellationToken));
    }
}

/// <summary>A tenant's live chunk count and the most a query could score against them (the sum of its terms' idf).</summary>
public sealed record KeywordScoreScale(int Chunks, double QueryBound);
