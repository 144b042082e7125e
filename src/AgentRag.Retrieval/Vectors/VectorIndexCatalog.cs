using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using AgentRag.Core;
using AgentRag.Core.Search;
using AgentRag.Retrieval.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Retrieval.Vectors;

/// <summary>
/// The embedded <see cref="IVectorStore"/>: the chunk embeddings of all tenants, one <see cref="TieredVectorIndex"/> per tenant (exact search up to
/// <see cref="VectorIndexOptions.ExactSearchLimit"/> vectors, HNSW above), persisted under
/// <c>&lt;data&gt;/index/&lt;tenant&gt;/</c> beside the BM25 index as a snapshot (<c>vectors.snapshot</c>, replaced
/// atomically) plus a journal of the changes since (<c>vectors.journal</c>), so a restart loads instead of re-embedding.
/// Every change is journaled before it is applied. Other processes may write the same data folder (a CLI command beside
/// a running server): writes catch up with theirs first, and <see cref="RefreshAsync"/> applies theirs for readers (see
/// <see cref="SharedIndexFiles{TState}"/>). A tenant's index records the embedding model that made it; vectors of
/// another model are never mixed in (see <see cref="ReplaceDocumentAsync"/>). A tenant loads on first use.
/// Thread-safe: searches run concurrently with writes; writes to one tenant are serialized.
/// </summary>
public sealed class VectorIndexCatalog : IVectorStore, IDisposable
{
    public const string SnapshotFileName = "vectors.snapshot";
    public const string JournalFileName = "vectors.journal";

    private const string Magic = "AGENTRAG-VECTOR-CATALOG";
    private const int FormatVersion = 1;
    private const byte ReplaceOperation = 1;
    private const byte RemoveOperation = 2;

    private readonly string _root;
    private readonly VectorIndexOptions _options;
    private readonly ILogger _logger;
    private readonly TenantLoader<SharedIndexFiles<TenantVectors>> _tenants;

    /// <param name="dataDirectory">The data folder; indexes live in its <c>index</c> subfolder.</param>
    public VectorIndexCatalog(string dataDirectory, VectorIndexOptions options, ILogger<VectorIndexCatalog>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _root = SnapshotFiles.IndexRoot(dataDirectory);
        _options = options;
        _logger = logger ?? NullLogger<VectorIndexCatalog>.Instance;
        _tenants = new TenantLoader<SharedIndexFiles<TenantVectors>>(Load);
    }

    public VectorIndexOptions Options => _options;

    /// <summary>
    /// Replaces the document's vectors (journaled first). Idempotent. When the tenant's index was made by another model
    /// or has other dimensions, it is discarded first (logged as a warning): the tenant's other documents then have no
    /// vectors until they are reprocessed. Throws <see cref="ArgumentException"/> for vectors of mixed dimensions, a
    /// non-finite component or zero length; nothing is changed then.
    /// </summary>
    public async Task ReplaceDocumentAsync(
        string tenantId, string documentId, string model, IReadOnlyList<(string ChunkId, float[] Vector)> vectors, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(vectors);
        var dimensions = vectors.Count == 0 ? 0 : vectors[0].Vector.Length;
        foreach (var (chunkId, vector) in vectors)
        {
            ArgumentException.ThrowIfNullOrEmpty(chunkId);
            if (vector.Length != dimensions || dimensions == 0)
            {
                throw new ArgumentException($"Chunk '{chunkId}' has a {vector.Length}-dimensional vector; the document's first has {dimensions}.", nameof(vectors));
            }

            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(vector) || System.Numerics.Tensors.TensorPrimitives.Norm(vector) == 0)
            {
                throw new ArgumentException($"Chunk '{chunkId}' has a vector with a non-finite component or zero length.", nameof(vectors));
            }
        }

        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        await tenant.WriteAsync(
            _ => EncodeReplace(documentId, model, vectors), state => state.Replace(documentId, model, vectors, _options, _logger), _options.JournalSnapshotBytes, cancellationToken);
    }

    /// <summary>Removes the document's vectors; the next search no longer sees them. Idempotent; a tenant with no vectors is left untouched on disk.</summary>
    public async Task RemoveDocumentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        Tenancy.ThrowIfInvalid(tenantId);
        if (!_tenants.IsKnown(tenantId) && !HasFiles(tenantId))
        {
            return; // Nothing was ever embedded for this tenant: don't create its files just to record a no-op.
        }

        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        await tenant.WriteAsync(
            state => state.HasDocument(documentId) ? EncodeRemove(documentId) : null, state => state.Remove(documentId), _options.JournalSnapshotBytes, cancellationToken);
    }

    /// <summary>
    /// The <paramref name="k"/> chunks most similar to <paramref name="query"/>, best first, restricted to
    /// <paramref name="allowedDocuments"/> when given. Empty when the tenant has no vectors. Throws
    /// <see cref="VectorModelMismatchException"/> when the tenant's vectors were made by another model or have other
    /// dimensions than the query's.
    /// </summary>
    public async Task<IReadOnlyList<DenseHit>> SearchAsync(
        string tenantId, string model, ReadOnlyMemory<float> query, int k, IReadOnlySet<string>? allowedDocuments = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        Tenancy.ThrowIfInvalid(tenantId);
        if (!_tenants.IsKnown(tenantId) && !HasFiles(tenantId))
        {
            return [];
        }

        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        return tenant.State.Search(tenantId, model, query.Span, k, allowedDocuments);
    }

    /// <summary>What the tenant's index holds (empty when nothing was embedded).</summary>
    public async Task<VectorIndexInfo> GetInfoAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var tenant = await GetTenantAsync(tenantId, cancellationToken);
        return tenant.State.Info;
    }

    /// <summary>
    /// Applies the changes other processes made to the tenant's vector files since this catalog last read or wrote them,
    /// and returns true if there were any. False, and nothing loaded, for a tenant this catalog has not loaded.
    /// </summary>
    public async Task<bool> RefreshAsync(string tenantId, CancellationToken cancellationToken = default) =>
        _tenants.IsKnown(tenantId) && await (await GetTenantAsync(tenantId, cancellationToken)).RefreshAsync(cancellationToken);

    /// <summary>Writes a fresh snapshot of the tenant's vectors and empties its journal.</summary>
    public async Task SaveAsync(string tenantId, CancellationToken cancellationToken = default) =>
        await (await GetTenantAsync(tenantId, cancellationToken)).SaveAsync(cancellationToken);

    /// <summary>Snapshots every loaded tenant (e.g. at shutdown) so the next start replays no journal.</summary>
    public async Task SaveAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var tenantId in _tenants.Loaded)
        {
            await SaveAsync(tenantId, cancellationToken);
        }
    }

    /// <summary>True when the tenant has vector files on disk (it has embedded something before).</summary>
    private bool HasFiles(string tenantId)
    {
        var directory = Tenancy.ResolveFolder(_root, tenantId);
        return File.Exists(Path.Combine(directory, SnapshotFileName)) || File.Exists(Path.Combine(directory, JournalFileName));
    }

    private Task<SharedIndexFiles<TenantVectors>> GetTenantAsync(string tenantId, CancellationToken cancellationToken) => _tenants.GetAsync(tenantId, cancellationToken);

    private SharedIndexFiles<TenantVectors> Load(string tenantId)
    {
        var stopwatch = Stopwatch.StartNew();
        var directory = Tenancy.ResolveFolder(_root, tenantId);
        var codec = new SharedIndexFiles<TenantVectors>.Codec(
            snapshot => ReadSnapshot(directory, snapshot),
            (tenant, payload) => Apply(payload, tenant),
            (tenant, stream) => tenant.WriteSnapshot(stream));
        var files = SharedIndexFiles<TenantVectors>.Open(directory, SnapshotFileName, JournalFileName, codec, _options.SyncJournalWrites, out var replayed);
        var info = files.State.Info;
        _logger.LogInformation(
            "Loaded vector index of tenant {TenantId}: {Vectors} vectors of {Dimensions} dimensions ({Model}), {Replayed} journal records, in {Milliseconds} ms",
            tenantId, info.Vectors, info.Dimensions, info.Model ?? "no model yet", replayed, stopwatch.ElapsedMilliseconds);
        return files;
    }

    private TenantVectors ReadSnapshot(string directory, Stream? snapshot)
    {
        var tenant = new TenantVectors(directory);
        if (snapshot is null)
        {
            return tenant;
        }

        try
        {
            tenant.ReadSnapshot(snapshot, _options);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException)
        {
            throw new InvalidDataException($"Vector index snapshot '{Path.Combine(directory, SnapshotFileName)}' is unreadable: {e.Message} Delete it and reprocess the tenant's documents.", e);
        }

        return tenant;
    }

    private void Apply(byte[] payload, TenantVectors tenant)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        var operation = reader.ReadByte();
        var documentId = reader.ReadString();
        switch (operation)
        {
            case ReplaceOperation:
                var model = reader.ReadString();
                var dimensions = reader.ReadInt32();
                var count = reader.ReadInt32();
                var vectors = new List<(string, float[])>(count);
                for (var i = 0; i < count; i++)
                {
                    var chunkId = reader.ReadString();
                    var vector = new float[dimensions];
                    reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(vector.AsSpan()));
                    vectors.Add((chunkId, vector));
                }

                tenant.Replace(documentId, model, vectors, _options, _logger);
                break;
            case RemoveOperation:
                tenant.Remove(documentId);
                break;
            default:
                throw new InvalidDataException($"Unknown vector journal operation {operation}.");
        }
    }

    private static byte[] EncodeReplace(string documentId, string model, IReadOnlyList<(string ChunkId, float[] Vector)> vectors)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(ReplaceOperation);
            writer.Write(documentId);
            writer.Write(model);
            writer.Write(vectors.Count == 0 ? 0 : vectors[0].Vector.Length);
            writer.Write(vectors.Count);
            foreach (var (chunkId, vector) in vectors)
            {
                writer.Write(chunkId);
                writer.Write(MemoryMarshal.AsBytes(vector.AsSpan()));
            }
        }

        return payload.ToArray();
    }

    private static byte[] EncodeRemove(string documentId)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(RemoveOperation);
            writer.Write(documentId);
        }

        return payload.ToArray();
    }

    /// <summary>
    /// Drops the tenant's vector index: unloads it and deletes its folder (snapshot, journal and lock files). Idempotent.
    /// Another process that has the index loaded keeps its copy until it restarts.
    /// </summary>
    public Task EraseTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _tenants.ForgetAsync(tenantId, () => DataFolder.DeleteFolder(Tenancy.ResolveFolder(_root, tenantId)));
    }

    public void Dispose() => _tenants.Dispose();

    /// <summary>One tenant's vectors and the document → chunks map that deletes by document.</summary>
    private sealed class TenantVectors(string directory)
    {
        private readonly Dictionary<string, string[]> _chunksByDocument = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, string> _documentByChunk = new(StringComparer.Ordinal);
        private volatile TieredVectorIndex? _index;
        private string? _model;

        public string Directory { get; } = directory;

        public VectorIndexInfo Info
        {
            get
            {
                var index = _index;
                return new VectorIndexInfo(_model, index?.Dimensions ?? 0, index?.Count ?? 0, _chunksByDocument.Count, index?.IsApproximate ?? false);
            }
        }

        public bool HasDocument(string documentId) => _chunksByDocument.ContainsKey(documentId);

        public void Replace(string documentId, string model, IReadOnlyList<(string ChunkId, float[] Vector)> vectors, VectorIndexOptions options, ILogger logger)
        {
            var dimensions = vectors.Count == 0 ? 0 : vectors[0].Vector.Length;
            if (_index is { } existing && (!string.Equals(_model, model, StringComparison.Ordinal) || (dimensions > 0 && existing.Dimensions != dimensions)))
            {
                logger.LogWarning(
                    "Tenant vectors in {Directory} were made by {OldModel} ({OldDimensions} dimensions); {NewModel} ({NewDimensions} dimensions) replaces them. {Documents} document(s) have no vectors until they are reprocessed.",
                    Directory, _model, existing.Dimensions, model, dimensions, _chunksByDocument.Count);
                _index = null;
                _chunksByDocument.Clear();
                _documentByChunk.Clear();
            }

            Remove(documentId);
            if (vectors.Count == 0)
            {
                return;
            }

            _model = model;
            var index = _index ??= new TieredVectorIndex(dimensions, options);
            var ids = new string[vectors.Count];
            for (var i = 0; i < vectors.Count; i++)
            {
                var (chunkId, vector) = vectors[i];
                // A chunk id belongs to one document; one re-sent under another document moves to it.
                if (_documentByChunk.TryGetValue(chunkId, out var owner) && owner != documentId && _chunksByDocument.TryGetValue(owner, out var owned))
                {
                    _chunksByDocument[owner] = [.. owned.Where(c => c != chunkId)];
                }

                index.Upsert(chunkId, vector);
                _documentByChunk[chunkId] = documentId;
                ids[i] = chunkId;
            }

            _chunksByDocument[documentId] = ids;
        }

        public void Remove(string documentId)
        {
            if (!_chunksByDocument.Remove(documentId, out var chunks))
            {
                return;
            }

            foreach (var chunkId in chunks)
            {
                _index?.Remove(chunkId);
                _documentByChunk.TryRemove(chunkId, out _);
            }
        }

        public IReadOnlyList<DenseHit> Search(string tenantId, string model, ReadOnlySpan<float> query, int k, IReadOnlySet<string>? allowedDocuments)
        {
            var index = _index;
            if (index is null || index.Count == 0)
            {
                return [];
            }

            if (!string.Equals(_model, model, StringComparison.Ordinal) || index.Dimensions != query.Length)
            {
                throw new VectorModelMismatchException(
                    $"Tenant '{tenantId}' has vectors made by '{_model}' ({index.Dimensions} dimensions), but the query was embedded by '{model}' ({query.Length} dimensions). Reprocess the tenant's documents (agentrag docs reprocess) to embed them with the configured model.");
            }

            // A filter is applied after the search: widen the search until enough allowed hits are found or every vector was seen.
            var fetch = allowedDocuments is null ? k : Math.Min(index.Count, Math.Max(k * 4, 64));
            while (true)
            {
                var raw = index.Search(query, fetch);
                var hits = new List<DenseHit>(Math.Min(k, raw.Count));
                foreach (var hit in raw)
                {
                    if (_documentByChunk.TryGetValue(hit.Id, out var documentId) && (allowedDocuments is null || allowedDocuments.Contains(documentId)))
                    {
                        hits.Add(new DenseHit(hit.Id, documentId, hit.Score));
                        if (hits.Count == k)
                        {
                            break;
                        }
                    }
                }

                if (hits.Count == k || fetch >= index.Count || raw.Count < fetch)
                {
                    return hits;
                }

                fetch = (int)Math.Min(index.Count, (long)fetch * 4);
            }
        }

        public void WriteSnapshot(Stream stream)
        {
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(FormatVersion);
                writer.Write(_model ?? "");
                writer.Write(_chunksByDocument.Count);
                foreach (var (documentId, chunks) in _chunksByDocument)
                {
                    writer.Write(documentId);
                    writer.Write(chunks.Length);
                    foreach (var chunk in chunks)
                    {
                        writer.Write(chunk);
                    }
                }

                writer.Write(_index is not null);
            }

            _index?.WriteTo(stream);
        }

        public void ReadSnapshot(Stream stream, VectorIndexOptions options)
        {
            using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
            {
                if (reader.ReadString() != Magic)
                {
                    throw new InvalidDataException("Not a vector catalog snapshot (bad magic).");
                }

                var version = reader.ReadInt32();
                if (version != FormatVersion)
                {
                    throw new InvalidDataException($"Unsupported vector snapshot format {version} (this build reads {FormatVersion}).");
                }

                var model = reader.ReadString();
                _model = model.Length == 0 ? null : model;
                var documents = reader.ReadInt32();
                for (var d = 0; d < documents; d++)
                {
                    var documentId = reader.ReadString();
                    var chunks = new string[reader.ReadInt32()];
                    for (var c = 0; c < chunks.Length; c++)
                    {
                        chunks[c] = reader.ReadString();
                        _documentByChunk[chunks[c]] = documentId;
                    }

                    _chunksByDocument[documentId] = chunks;
                }

                if (!reader.ReadBoolean())
                {
                    return;
                }
            }

            _index = TieredVectorIndex.Read(stream, options);
        }
    }
}
