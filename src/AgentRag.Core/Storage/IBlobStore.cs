namespace AgentRag.Core.Storage;

/// <summary>
/// Binary content: the originals of uploaded documents (kept for reprocessing, export and page views) and uploads in
/// flight, staged before they become documents.
/// <list type="bullet">
/// <item>Staging is a local scratch area on this machine: extraction reads a staged file by path. A staged file that
/// no one stored or deleted (a crash) is a leftover that <see cref="DeleteStagedOlderThan"/> removes.</item>
/// <item>An original is named by the key <see cref="StoreOriginalAsync"/> returns (kept in the document's record as
/// <c>StoredPath</c>); keys are opaque to callers and scoped to a tenant and document.</item>
/// </list>
/// Implementations are thread-safe and keep no process-wide state: two instances over one backend see the same content.
/// </summary>
public interface IBlobStore
{
    /// <summary>A fresh path in the staging area (which is created if missing). The caller writes the file, then stores or deletes it.</summary>
    string CreateStagingPath();

    /// <summary>The total size of the staged files now, of every process sharing the staging area.</summary>
    long GetStagedBytes();

    /// <summary>Deletes a staged file. Never throws for a missing file.</summary>
    void DeleteStaged(string stagingPath);

    /// <summary>
    /// Deletes the staged files last written before <paramref name="cutoff"/>; a file that cannot be deleted now (in
    /// use) is left for the next call. Returns the number of files deleted and their total size.
    /// </summary>
    (int Files, long Bytes) DeleteStagedOlderThan(DateTimeOffset cutoff);

    /// <summary>
    /// Makes the staged file at <paramref name="stagingPath"/> the original of the tenant's document (the staged file is
    /// gone afterwards) and returns its key. <paramref name="fileName"/> is kept, made safe, as the key's last part.
    /// Throws <see cref="ArgumentException"/> for an invalid tenant id and <see cref="FileNotFoundException"/> when the
    /// staged file does not exist.
    /// </summary>
    Task<string> StoreOriginalAsync(string tenantId, string documentId, string fileName, string stagingPath, CancellationToken cancellationToken = default);

    /// <summary>
    /// A local file holding the original's bytes, for readers that need a path (extractors); disposing it releases any
    /// copy made. Null when there is no such original. Throws <see cref="ArgumentException"/> for a malformed key.
    /// </summary>
    Task<LocalBlobFile?> OpenLocalAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes the originals of the tenant's document. Idempotent.</summary>
    Task DeleteOriginalsAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's originals, ordered by name: each with its name relative to the tenant (<c>&lt;document&gt;/&lt;file&gt;</c>,
    /// '/'-separated) and its key.
    /// </summary>
    Task<IReadOnlyList<BlobEntry>> ListOriginalsAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Opens an original for reading. Throws <see cref="FileNotFoundException"/> when there is none under the key.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes every original of the tenant and returns how many there were. Idempotent.</summary>
    Task<int> DeleteTenantAsync(string tenantId, CancellationToken cancellationToken = default);
}

/// <summary>One stored original: its key and its name relative to its tenant.</summary>
public sealed record BlobEntry(string Key, string Name, long Length);

/// <summary>
/// A local file holding a blob's bytes (<see cref="IBlobStore.OpenLocalAsync"/>): the stored file itself for a store on
/// the local file system, else a staged copy that disposing deletes.
/// </summary>
public sealed class LocalBlobFile(string path, Action? release = null) : IDisposable
{
    private Action? _release = release;

    /// <summary>The file's full path; valid until disposed.</summary>
    public string Path { get; } = path;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
