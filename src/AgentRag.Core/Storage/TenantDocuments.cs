using System.Runtime.CompilerServices;
using AgentRag.Core.Documents;

namespace AgentRag.Core.Storage;

/// <summary>Reads every document of a tenant through <see cref="IDocumentStore.ListAsync"/>, a page at a time.</summary>
public static class TenantDocuments
{
    private const int Page = 1000;

    /// <summary>The tenant's documents (with <paramref name="status"/>, or all), newest first.</summary>
    public static async IAsyncEnumerable<Document> AllAsync(
        IDocumentStore store, string tenantId, DocumentStatus? status = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        for (var offset = 0; ; offset += Page)
        {
            var page = await store.ListAsync(tenantId, new DocumentListQuery(status, offset, Page), cancellationToken);
            foreach (var document in page.Items)
            {
                yield return document;
            }

            if (page.Items.Count < Page || offset + page.Items.Count >= page.Total)
            {
                yield break;
            }
        }
    }
}
