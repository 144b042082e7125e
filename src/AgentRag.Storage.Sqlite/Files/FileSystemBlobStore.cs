using AgentRag.Core;
using AgentRag.Core.Storage;

namespace AgentRag.Storage.Sqlite.Files;

/// <summary>
/// <see cref="IBlobStore"/> over the data folder, the file half of the embedded storage backend: staged uploads in
/// <c>tmp/</c>, originals in <c>files/&lt;tenant&gt;/&lt;document&gt;/&lt;file name&gt;</c>. An original's key is its path
/// relative to the data folder (the <c>StoredPath</c> earlier releases recorded), so existing data folders keep working.
/// Several processes may share the folder (a CLI ingest beside a server). Thread-safe.
/// </summary>
public sealed class FileSystemBlobStore(DataFolder dataFolder) : IBlobStore
{
    public string CreateStagingPath()
    {
        Directory.CreateDirectory(dataFolder.TempDirectory);
        return Path.Combine(dataFolder.TempDirectory, $"upload-{Guid.NewGuid():N}");
    }

    public long GetStagedBytes()
    {
        var directory = new DirectoryInfo(dataFolder.TempDirectory);
        if (!directory.Exists)
        {
            return 0;
        }

        long total = 0;
        foreach (var file in directory.EnumerateFiles())
        {
            try
            {
                total += file.Length;
            }
            catch (FileNotFoundException)
            {
                // Deleted while enumerating.
            }
        }

        return total;
    }

    public void DeleteStaged(string stagingPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(stagingPath);
        try
        {
            File.Delete(stagingPath);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    public (int Files, long Bytes) DeleteStagedOlderThan(DateTimeOffset cutoff)
    {
        var directory = new DirectoryInfo(dataFolder.TempDirectory);
        if (!directory.Exists)
        {
            return (0, 0);
        }

        int files = 0;
        long bytes = 0;
        foreach (var file in directory.EnumerateFiles())
        {
            try
            {
                if (file.LastWriteTimeUtc < cutoff.UtcDateTime)
                {
                    var size = file.Length;
                    file.Delete();
                    files++;
                    bytes += size;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // In use (on a platform that locks open files) or deleted meanwhile: the next sweep retries.
            }
        }

        return (files, bytes);
    }

    public Task<string> StoreOriginalAsync(string tenantId, string documentId, string fileName, string stagingPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentException.ThrowIfNullOrEmpty(stagingPath);
        if (documentId is "." or ".." || documentId.IndexOfAny(['/', '\\']) >= 0)
        {
            throw new ArgumentException($"Invalid document id '{documentId}': it must be a single path segment.", nameof(documentId));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var absolute = Path.Combine(Tenancy.ResolveFolder(dataFolder.FilesDirectory, tenantId), documentId, SafeFileName(fileName));
        Directory.CreateDirectory(Path.GetDirectoryName(absolute)!);
        File.Move(stagingPath, absolute);
        return Task.FromResult(Path.GetRelativePath(dataFolder.Root, absolute));
    }

    public Task<LocalBlobFile?> OpenLocalAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = Resolve(key);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(path) ? new LocalBlobFile(path) : null);
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = Resolve(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"There is no original under the key '{key}'.", path);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }

    public Task DeleteOriginalsAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var tenantFolder = Tenancy.ResolveFolder(dataFolder.FilesDirectory, tenantId);
        var folder = Path.GetFullPath(Path.Combine(tenantFolder, documentId));
        if (!string.Equals(Path.GetDirectoryName(folder), tenantFolder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid document id '{documentId}': it must be a single path segment.", nameof(documentId));
        }

        DataFolder.DeleteFolder(folder);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<BlobEntry>> ListOriginalsAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var tenantFolder = Tenancy.ResolveFolder(dataFolder.FilesDirectory, tenantId);
        IReadOnlyList<BlobEntry> entries = Directory.Exists(tenantFolder)
            ? [.. Directory.GetFiles(tenantFolder, "*", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .Select(file => new BlobEntry(
                    Path.GetRelativePath(dataFolder.Root, file),
                    Path.GetRelativePath(tenantFolder, file).Replace(Path.DirectorySeparatorChar, '/'),
                    new FileInfo(file).Length))]
            : [];
        return Task.FromResult(entries);
    }

    public Task<int> DeleteTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var tenantFolder = Tenancy.ResolveFolder(dataFolder.FilesDirectory, tenantId);
        var files = Directory.Exists(tenantFolder) ? Directory.GetFiles(tenantFolder, "*", SearchOption.AllDirectories).Length : 0;
        DataFolder.DeleteFolder(tenantFolder);
        return Task.FromResult(files);
    }

    /// <summary>The full path of an original's key; throws <see cref="ArgumentException"/> for a key outside <c>files/</c>.</summary>
    private string Resolve(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var root = Path.TrimEndingDirectorySeparator(dataFolder.FilesDirectory) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(dataFolder.Root, key));
        if (!path.StartsWith(root, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid blob key '{key}': it is not an original under '{dataFolder.FilesDirectory}'.", nameof(key));
        }

        return path;
    }

    /// <summary>The file name without directories, with characters no file system accepts replaced by '_'.</summary>
    private static string SafeFileName(string fileName)
    {
        var name = Path.GetFileName(fileName);
        foreach (var invalid in Path.GetInvalidFileNameChars())
        {
            name = name.Replace(invalid, '_');
        }

        return name.Length == 0 ? "original" : name;
    }
}
