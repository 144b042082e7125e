using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// Keyword search over a tenant's BM25 index: parses the query syntax, resolves filters to documents and returns
/// the top chunks with their BM25 scores. Thread-safe.
/// </summary>
public sealed class KeywordSearcher(Bm25IndexCatalog catalog, IDocumentFilterResolver? filterResolver = null)
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
        var index = await catalog.GetIndexAsync(tenantId, cancellationToken);
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

        return index.Search(query, k, allowed, rm3);
    }
}
