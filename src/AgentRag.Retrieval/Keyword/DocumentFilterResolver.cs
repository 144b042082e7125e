using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Keyword;

/// <summary>Turns <see cref="SearchFilters"/> into the set of a tenant's document ids that pass them.</summary>
public interface IDocumentFilterResolver
{
    /// <summary>The ids of the tenant's documents that pass every filter. Thread-safe.</summary>
    Task<IReadOnlySet<string>> ResolveAsync(string tenantId, SearchFilters filters, CancellationToken cancellationToken = default);
}

/// <summary>
/// Resolves filters against the document store: <c>doc:</c> matches a document id exactly or a file name
/// ignoring case; dates compare the file's own date (else the upload date), in UTC; <c>lang:</c> matches the
/// stated language or its regional variants, and excludes documents whose language is unknown.
/// </summary>
public sealed class DocumentStoreFilterResolver(IDocumentStore store) : IDocumentFilterResolver
{
    private const int PageSize = 500;

    public async Task<IReadOnlySet<string>> ResolveAsync(string tenantId, SearchFilters filters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        for (var offset = 0; ; offset += PageSize)
        {
            var page = await store.ListAsync(tenantId, new DocumentListQuery(null, offset, PageSize), cancellationToken);
            foreach (var document in page.Items)
            {
                if (Passes(document, filters))
                {
                    allowed.Add(document.Id);
                }
            }

            if (page.Items.Count < PageSize || offset + PageSize >= page.Total)
            {
                return allowed;
            }
        }
    }

    /// <summary>True when <paramref name="document"/> passes every filter.</summary>
    public static bool Passes(Document document, SearchFilters filters)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Documents is not null && !filters.Documents.Any(d =>
                string.Equals(d, document.Id, StringComparison.Ordinal) || string.Equals(d, document.FileName, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var date = DateOnly.FromDateTime((document.Metadata.CreatedAt ?? document.CreatedAt).UtcDateTime);
        if ((filters.After is { } after && date < after) || (filters.Before is { } before && date >= before))
        {
            return false;
        }

        if (filters.Language is { } language)
        {
            var stated = document.Metadata.Language;
            return stated is not null
                && (stated.Equals(language, StringComparison.OrdinalIgnoreCase)
                    || stated.StartsWith(language + "-", StringComparison.OrdinalIgnoreCase)
                    || stated.StartsWith(language + "_", StringComparison.OrdinalIgnoreCase));
        }

        return true;
    }
}
