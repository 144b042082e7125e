using System.Security.Cryptography;
using System.Text;

namespace AgentRag.Core.Search;

/// <summary>
/// The persistent embedding cache port: vectors by (scope, model, SHA-256 of the embedded text), so a text embedded once
/// is never embedded again by the same model, across restarts: re-ingesting or reprocessing a document, a crash in the
/// middle of a document's embedding (at most the batch in flight is recomputed), and <c>eval</c>'s corpus. A tenant's
/// entries are its data: they are exported and erased with it (<see cref="Storage.ITenantDataStore"/>). Writes are
/// durable when the returned task completes. Implementations are thread-safe and keep no process-wide state, so two
/// instances over one backend see each other's entries. The in-memory tier in front of it is the model layer's
/// <c>CachingEmbeddingGenerator</c>; the embedded implementation is <c>SqliteEmbeddingCache</c>.
/// </summary>
public interface IEmbeddingCache
{
    /// <summary>
    /// The cached vectors among <paramref name="textHashes"/> (see <see cref="EmbeddingCacheScope.HashText"/>) for the
    /// model in the scope, by hash; a hash with no entry is absent. Throws <see cref="ArgumentException"/> for an empty model.
    /// </summary>
    Task<IReadOnlyDictionary<string, float[]>> GetManyAsync(
        EmbeddingCacheScope scope, string model, IReadOnlyCollection<string> textHashes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the vectors, replacing an entry with the same scope, model and hash. Idempotent. Throws
    /// <see cref="ArgumentException"/> for an empty model, a malformed hash or an empty vector; nothing is stored then.
    /// </summary>
    Task PutManyAsync(
        EmbeddingCacheScope scope, string model, IReadOnlyList<CachedEmbedding> entries, CancellationToken cancellationToken = default);

    /// <summary>How many entries the scope holds, for one model or (null) every model.</summary>
    Task<long> CountAsync(EmbeddingCacheScope scope, string? model = null, CancellationToken cancellationToken = default);
}

/// <summary>A vector and the hash of the text it embeds (<see cref="EmbeddingCacheScope.HashText"/>).</summary>
public readonly record struct CachedEmbedding(string TextHash, float[] Vector);

/// <summary>
/// Whose entries an <see cref="IEmbeddingCache"/> lookup reads: a tenant's (its documents and queries; erased with the
/// tenant) or an evaluation dataset's corpus, by the dataset's name and content hash (shared by every tenant, since the
/// dataset is not tenant data). <see cref="Key"/> is what a backend stores: the tenant id itself, or
/// <c>dataset:&lt;name&gt;:&lt;hash&gt;</c>, which no tenant id can equal (':' is not allowed in one), so a tenant's
/// erasure never touches a dataset's entries.
/// </summary>
public readonly record struct EmbeddingCacheScope
{
    private EmbeddingCacheScope(string key) => Key = key;

    /// <summary>The stored scope key: a tenant id, or <c>dataset:&lt;name&gt;:&lt;hash&gt;</c>.</summary>
    public string Key { get; }

    /// <summary>True for a tenant's scope.</summary>
    public bool IsTenant => Key is not null && !Key.StartsWith(DatasetPrefix, StringComparison.Ordinal);

    private const string DatasetPrefix = "dataset:";

    /// <summary>The tenant's entries. Throws <see cref="ArgumentException"/> for an invalid tenant id.</summary>
    public static EmbeddingCacheScope ForTenant(string tenantId)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        return new EmbeddingCacheScope(tenantId);
    }

    /// <summary>
    /// An evaluation dataset's corpus entries: <paramref name="name"/> (e.g. <c>scifact</c>) and a hash of its corpus
    /// file's content, so an edited corpus gets entries of its own. Throws <see cref="ArgumentException"/> when either is
    /// empty or holds ':' or whitespace.
    /// </summary>
    public static EmbeddingCacheScope ForDataset(string name, string contentHash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentHash);
        if (name.Any(c => c == ':' || char.IsWhiteSpace(c)) || contentHash.Any(c => c == ':' || char.IsWhiteSpace(c)) || name.Length + contentHash.Length > 200)
        {
            throw new ArgumentException($"Invalid dataset cache scope '{name}:{contentHash}': no ':' or whitespace, at most 200 characters.", nameof(name));
        }

        return new EmbeddingCacheScope(DatasetPrefix + name + ":" + contentHash);
    }

    /// <summary>The cache's key of a text: lower-case hex SHA-256 of its UTF-8 bytes, exactly as embedded (prefix included).</summary>
    public static string HashText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>True when <paramref name="hash"/> has the form <see cref="HashText"/> returns.</summary>
    public static bool IsTextHash(string? hash) => hash is { Length: 64 } && hash.All(char.IsAsciiHexDigitLower);

    public override string ToString() => Key;
}
