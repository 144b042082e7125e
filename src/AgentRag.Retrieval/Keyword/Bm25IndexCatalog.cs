using System.Diagnostics;
using AgentRag.Core;
using AgentRag.Core.Search;
using AgentRag.Retrieval.Persistence;
using AgentRag.Retrieval.Query;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The embedded <see cref="IKeywordIndex"/>: the BM25 indexes of all tenants, one per tenant, persisted under <c>&lt;data&gt;/index/&lt;tenant&gt;/</c> as a
/// snapshot (<c>bm25.snapshot</c>, replaced atomically by write-temp-then-rename) plus a journal of the changes
/// since (<c>bm25.journal</c>), so a restart loads instead of re-indexing. A tenant's index loads on first use.
/// Every change is journaled before it is applied. Other processes may write the same data folder (a CLI command beside
/// a running server): writes catch up with theirs first, and <see cref="RefreshAsync"/> applies theirs for readers (see
/// <see cref="SharedIndexFiles{TState}"/>). Thread-safe; changes to one tenant are serialized.
/// </summary>
public sealed class Bm25IndexCatalog : IKeywordIndex, IDisposable
{
    public const string SnapshotFileName = "bm25.snapshot";
    public const string JournalFileName = "bm25.journal";

    private readonly string _root;
    private readonly Bm25Options _options;
    private readonly ILogger _logger;
    private readonly TenantLoader<SharedIndexFiles<Bm25Index>> _tenants;
    private readonly SharedIndexFiles<Bm25Index>.Codec _codec;

    /// <param name="dataDirectory">The data folder; indexes live in its <c>index</c> subfolder.</param>
    public Bm25IndexCatalog(string dataDirectory, Bm25Options options, ILogger<Bm25IndexCatalog>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _root = SnapshotFiles.IndexRoot(dataDirectory);
        _options = options;
        _logger = logger ?? NullLogger<Bm25IndexCatalog>.Instance;
        _tenants = new TenantLoader<SharedIndexFiles<Bm25Index>>(Load);
        _codec = new(ReadSnapshot, (index, payload) => Bm25Journal.Apply(payload, index), (index, stream) => index.WriteSnapshot(stream));
    }

    public Bm25Options Options => _options;

    /// <summary>The tenant's index, loaded from disk on first use. Throws <see cref="ArgumentException"/> for an invalid tenant id.</summary>
    public async Task<Bm25Index> GetIndexAsync(string tenantId, CancellationToken cancellationToken = default) =>
        (await GetTenantAsync(tenantId, cancellationToken)).State;

    /// <summary>Replaces the document's chunks in the tenant's index (journaled first). Idempotent.</summary>
    public async Task ReplaceDocumentAsync(string tenantId, string documentId, IReadOnlyList<(string ChunkId, string Text)> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentNullException.ThrowIfNull(chunks);
        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        await tenant.WriteAsync(
            _ => Bm25Journal.EncodeReplace(documentId, chunks), index => index.ReplaceDocument(documentId, chunks), _options.JournalSnapshotBytes, cancellationToken);
    }

    /// <summary>Removes the document's chunks; the next search no longer sees them. Idempotent.</summary>
    public async Task RemoveDocumentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        await tenant.WriteAsync(
            _ => Bm25Journal.EncodeRemove(documentId), index => index.RemoveDocument(documentId), _options.JournalSnapshotBytes, cancellationToken);
    }

    /// <summary>
    /// The best chunks for <paramref name="query"/> in the tenant's index (see <see cref="IKeywordIndex.SearchAsync"/>
    /// and <see cref="Bm25Index.Search(KeywordQuery, int, IReadOnlySet{string}, Rm3Options)"/>): MaxScore and block-max pruned top-k, the same ranking as an exhaustive search.
    /// </summary>
    public async Task<IReadOnlyList<KeywordHit>> SearchAsync(
        string tenantId, QueryNode? query, int k, IReadOnlySet<string>? allowedDocuments = null, Rm3Options? rm3 = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var index = await GetIndexAsync(tenantId, cancellationToken);
        return index.Search(new KeywordQuery(query, SearchFilters.None), k, allowedDocuments, rm3);
    }

    public async Task<KeywordIndexInfo> GetInfoAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var index = await GetIndexAsync(tenantId, cancellationToken);
        return new KeywordIndexInfo(index.ChunkCount);
    }

    /// <summary>See <see cref="IKeywordIndex.GetScoreBoundAsync"/> and <see cref="Bm25Index.ScoreBound"/>.</summary>
    public async Task<double> GetScoreBoundAsync(string tenantId, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return (await GetIndexAsync(tenantId, cancellationToken)).ScoreBound(text);
    }

    /// <summary>
    /// Applies the changes other processes made to the tenant's index files since this catalog last read or wrote them
    /// (appended journal records, or a new snapshot), and returns true if there were any. False, and nothing loaded, for
    /// a tenant this catalog has not loaded (it reads the files afresh on first use).
    /// </summary>
    public async Task<bool> RefreshAsync(string tenantId, CancellationToken cancellationToken = default) =>
        _tenants.IsKnown(tenantId) && await (await GetTenantAsync(tenantId, cancellationToken)).RefreshAsync(cancellationToken);

    /// <summary>Writes a fresh snapshot of the tenant's index and empties its journal.</summary>
    public async Task SaveAsync(string tenantId, CancellationToken cancellationToken = default) =>
        await (await GetTenantAsync(tenantId, cancellationToken)).SaveAsync(cancellationToken);

    /// <summary>Snapshots every loaded tenant's index (e.g. at shutdown) so the next start replays no journal.</summary>
    public async Task SaveAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var tenantId in _tenants.Loaded)
        {
            await SaveAsync(tenantId, cancellationToken);
        }
    }

    private Task<SharedIndexFiles<Bm25Index>> GetTenantAsync(string tenantId, CancellationToken cancellationToken) => _tenants.GetAsync(tenantId, cancellationToken);

    private Bm25Index ReadSnapshot(Stream? snapshot)
    {
        if (snapshot is null)
        {
            return new Bm25Index(_options);
        }

        try
        {
            return Bm25Index.ReadSnapshot(snapshot, _options);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"BM25 index snapshot '{(snapshot as FileStream)?.Name}' is unreadable: {e.Message} Delete the tenant's index folder and re-index.", e);
        }
    }

    private SharedIndexFiles<Bm25Index> Load(string tenantId)
    {
        var stopwatch = Stopwatch.StartNew();
        var files = SharedIndexFiles<Bm25Index>.Open(
            Tenancy.ResolveFolder(_root, tenantId), SnapshotFileName, JournalFileName, _codec, _options.SyncJournalWrites, out var replayed);
        _logger.LogInformation(
            "Loaded BM25 index of tenant {TenantId}: {Chunks} chunks, {Replayed} journal records, in {Milliseconds} ms",
            tenantId, files.State.ChunkCount, replayed, stopwatch.ElapsedMilliseconds);
        return files;
    }

    /// <summary>
    /// Drops the tenant's BM25 index: unloads it and deletes its folder (snapshot, journal and lock files). Idempotent.
    /// Another process that has the index loaded keeps its copy until it restarts.
    /// </summary>
    public Task EraseTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _tenants.ForgetAsync(tenantId, () => DataFolder.DeleteFolder(Tenancy.ResolveFolder(_root, tenantId)));
    }

    public void Dispose() => _tenants.Dispose();
}
