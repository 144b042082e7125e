using System.Collections.Concurrent;
using System.Diagnostics;
using AgentRag.Core;
using AgentRag.Retrieval.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The BM25 indexes of all tenants, one per tenant, persisted under <c>&lt;data&gt;/index/&lt;tenant&gt;/</c> as a
/// snapshot (<c>bm25.snapshot</c>, replaced atomically by write-temp-then-rename) plus a journal of the changes
/// since (<c>bm25.journal</c>), so a restart loads instead of re-indexing. A tenant's index loads on first use.
/// Every change is journaled before it is applied. Thread-safe; changes to one tenant are serialized.
/// </summary>
public sealed class Bm25IndexCatalog : IDisposable
{
    public const string SnapshotFileName = "bm25.snapshot";
    public const string JournalFileName = "bm25.journal";

    private readonly string _root;
    private readonly Bm25Options _options;
    private readonly ILogger _logger;
    private readonly TenantLoader<TenantIndex> _tenants;

    /// <param name="dataDirectory">The data folder; indexes live in its <c>index</c> subfolder.</param>
    public Bm25IndexCatalog(string dataDirectory, Bm25Options options, ILogger<Bm25IndexCatalog>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _root = SnapshotFiles.IndexRoot(dataDirectory);
        _options = options;
        _logger = logger ?? NullLogger<Bm25IndexCatalog>.Instance;
        _tenants = new TenantLoader<TenantIndex>(Load);
    }

    public Bm25Options Options => _options;

    /// <summary>The tenant's index, loaded from disk on first use. Throws <see cref="ArgumentException"/> for an invalid tenant id.</summary>
    public async Task<Bm25Index> GetIndexAsync(string tenantId, CancellationToken cancellationToken = default) =>
        (await GetTenantAsync(tenantId, cancellationToken)).Index;

    /// <summary>Replaces the document's chunks in the tenant's index (journaled first). Idempotent.</summary>
    public async Task ReplaceDocumentAsync(string tenantId, string documentId, IReadOnlyList<(string ChunkId, string Text)> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentNullException.ThrowIfNull(chunks);
        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        await tenant.Gate.WaitAsync(cancellationToken);
        try
        {
            tenant.Journal.AppendReplace(documentId, chunks);
            tenant.Index.ReplaceDocument(documentId, chunks);
            SnapshotIfJournalIsLarge(tenant);
        }
        finally
        {
            tenant.Gate.Release();
        }
    }

    /// <summary>Removes the document's chunks; the next search no longer sees them. Idempotent.</summary>
    public async Task RemoveDocumentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        await tenant.Gate.WaitAsync(cancellationToken);
        try
        {
            tenant.Journal.AppendRemove(documentId);
            tenant.Index.RemoveDocument(documentId);
            SnapshotIfJournalIsLarge(tenant);
        }
        finally
        {
            tenant.Gate.Release();
        }
    }

    /// <summary>Writes a fresh snapshot of the tenant's index and empties its journal.</summary>
    public async Task SaveAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        await tenant.Gate.WaitAsync(cancellationToken);
        try
        {
            WriteSnapshot(tenant);
        }
        finally
        {
            tenant.Gate.Release();
        }
    }

    private void SnapshotIfJournalIsLarge(TenantIndex tenant)
    {
        if (tenant.Journal.Length >= _options.JournalSnapshotBytes)
        {
            WriteSnapshot(tenant);
        }
    }

    private void WriteSnapshot(TenantIndex tenant)
    {
        SnapshotFiles.WriteAtomically(Path.Combine(tenant.Directory, SnapshotFileName), tenant.Index.WriteSnapshot);
        tenant.Journal.Truncate();
    }

    /// <summary>Snapshots every loaded tenant's index (e.g. at shutdown) so the next start replays no journal.</summary>
    public async Task SaveAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var tenantId in _tenants.Loaded)
        {
            await SaveAsync(tenantId, cancellationToken);
        }
    }

    private Task<TenantIndex> GetTenantAsync(string tenantId, CancellationToken cancellationToken) => _tenants.GetAsync(tenantId, cancellationToken);

    private TenantIndex Load(string tenantId)
    {
        var stopwatch = Stopwatch.StartNew();
        var directory = Tenancy.ResolveFolder(_root, tenantId);
        Directory.CreateDirectory(directory);
        var snapshot = Path.Combine(directory, SnapshotFileName);
        Bm25Index index;
        if (File.Exists(snapshot))
        {
            using var stream = new FileStream(snapshot, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            try
            {
                index = Bm25Index.ReadSnapshot(stream, _options);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"BM25 index snapshot '{snapshot}' is unreadable: {e.Message} Delete the tenant's index folder and re-index.", e);
            }
        }
        else
        {
            index = new Bm25Index(_options);
        }

        var journal = Bm25Journal.OpenAndReplay(Path.Combine(directory, JournalFileName), index, _options.SyncJournalWrites, out var replayed);
        _logger.LogInformation(
            "Loaded BM25 index of tenant {TenantId}: {Chunks} chunks, {Replayed} journal records, in {Milliseconds} ms",
            tenantId, index.ChunkCount, replayed, stopwatch.ElapsedMilliseconds);
        return new TenantIndex(directory, index, journal);
    }

    public void Dispose() => _tenants.Dispose();

    private sealed class TenantIndex(string directory, Bm25Index index, Bm25Journal journal) : IDisposable
    {
        public string Directory { get; } = directory;

        public Bm25Index Index { get; } = index;

        public Bm25Journal Journal { get; } = journal;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public void Dispose()
        {
            Journal.Dispose();
            Gate.Dispose();
        }
    }
}
