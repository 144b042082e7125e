using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Search;
using AgentRag.Core.Storage;
using AgentRag.Models.Caching;
using AgentRag.Retrieval.Search;

namespace AgentRag.Server.Privacy;

/// <summary>What an erasure removed: rows per table and original files (the index folders go too).</summary>
public sealed record TenantErasure(string TenantId, IReadOnlyDictionary<string, int> Rows, int Files)
{
    public int TotalRows => Rows.Values.Sum();
}

/// <summary>
/// A tenant's whole data, wherever it lives: the store's tenant-scoped tables (documents, pages, chunks, events,
/// workflows, sessions, approvals, feedback, usage, keys, audit), the originals under <c>files/&lt;tenant&gt;</c>, the
/// BM25 and vector indexes under <c>index/&lt;tenant&gt;</c>, and the in-memory caches. Exports it as one archive
/// (docs/security.md, "Export") or erases it. Thread-safe.
/// </summary>
public sealed class TenantDataService(
    ITenantDataStore store,
    IBlobStore blobs,
    IKeywordIndex keywordIndexes,
    SearchResultCache searchCache,
    ModelCaches modelCaches,
    Previews.PageImageCache pageImages,
    TimeProvider time,
    IVectorStore? vectorIndexes = null)
{
    /// <summary>The archive's format version (manifest <c>format</c>).</summary>
    public const int FormatVersion = 1;

    public const string ContentType = "application/gzip";

    /// <summary>
    /// Writes the tenant's export to <paramref name="output"/> as a gzip-compressed tar: <c>manifest.json</c>,
    /// <c>tables/&lt;table&gt;.ndjson</c> for every tenant-scoped table, and <c>files/…</c> with the originals.
    /// Writes asynchronously only.
    /// </summary>
    public async Task ExportAsync(string tenantId, Stream output, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        var tables = await store.ExportAsync(tenantId, cancellationToken);
        var files = await blobs.ListOriginalsAsync(tenantId, cancellationToken);

        await using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            var manifest = JsonSerializer.SerializeToUtf8Bytes(new
            {
                format = FormatVersion,
                tenant = tenantId,
                exportedAt = time.GetUtcNow(),
                tables = tables.ToDictionary(t => t.Table, t => t.Rows),
                files = files.Count,
            });
            await WriteEntryAsync(tar, "manifest.json", manifest, cancellationToken);
            foreach (var table in tables)
            {
                await WriteEntryAsync(tar, $"tables/{table.Table}.ndjson", table.Ndjson, cancellationToken);
            }

            foreach (var file in files)
            {
                await using var content = await blobs.OpenReadAsync(file.Key, cancellationToken);
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "files/" + file.Name) { DataStream = content }, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Erases every trace of the tenant: its rows (then scrubbed from the database files), its originals, its index
    /// folders and its cache entries. Idempotent. Uploads or queries of the tenant running meanwhile may leave data
    /// behind: stop the tenant's traffic (revoke its keys) first.
    /// </summary>
    public async Task<TenantErasure> EraseAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        await keywordIndexes.EraseTenantAsync(tenantId, cancellationToken);
        if (vectorIndexes is not null)
        {
            await vectorIndexes.EraseTenantAsync(tenantId, cancellationToken);
        }

        var files = await blobs.DeleteTenantAsync(tenantId, cancellationToken);

        var rows = await store.EraseAsync(tenantId, cancellationToken);
        searchCache.Invalidate(tenantId);
        modelCaches.InvalidateResponses(tenantId);
        modelCaches.InvalidateEmbeddings(tenantId);
        pageImages.InvalidateTenant(tenantId);
        return new TenantErasure(tenantId, rows, files);
    }

    private static async Task WriteEntryAsync(TarWriter tar, string name, byte[] content, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream(content, writable: false);
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data }, cancellationToken);
    }
}
