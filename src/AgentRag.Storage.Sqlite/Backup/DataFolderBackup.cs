using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRag.Core;
using AgentRag.Core.Coordination;
using AgentRag.Storage.Sqlite.Security;
using AdoConnection = Microsoft.Data.Sqlite.SqliteConnection;

namespace AgentRag.Storage.Sqlite.Backup;

/// <summary>
/// Backup and restore of an embedded data folder that may be live (a server writing to it meanwhile):
/// <list type="bullet">
/// <item>the database through SQLite's online backup API: one consistent snapshot, taken while writers go on (WAL);</item>
/// <item>each search index's snapshot and journal copied together under the index's own lock file, so the pair is
/// consistent (taken after the database: an index may hold a few chunks newer than the database copy, which searches
/// skip, never the other way round);</item>
/// <item>the originals and the API key secret (<c>secrets/</c>; the backup is as sensitive as the folder);</item>
/// <item>a manifest (<c>manifest.json</c>) with each file's size and SHA-256, written last.</item>
/// </list>
/// Both directions write into a temporary sibling folder and move it into place at the end, so a failure never leaves a
/// half-written backup or data folder. Thread-safe (no shared state).
/// </summary>
public static class DataFolderBackup
{
    public const string ManifestFileName = "manifest.json";

    /// <summary>The manifest format this code writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>How long the backup waits for a busy index's lock file.</summary>
    private static readonly TimeSpan IndexLockTimeout = TimeSpan.FromMinutes(1);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Copies the data folder <paramref name="source"/> into the new folder <paramref name="target"/> and returns its manifest.
    /// Throws <see cref="BackupException"/>: <see cref="BackupFailure.NotFound"/> (no such folder),
    /// <see cref="BackupFailure.NotADataFolder"/> (no database in it), <see cref="BackupFailure.TargetNotEmpty"/>, or
    /// <see cref="BackupFailure.Failed"/> (an I/O or SQLite error; nothing is left at the target).
    /// </summary>
    public static async Task<BackupManifest> BackupAsync(
        string source, string target, DateTimeOffset now, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        source = Path.GetFullPath(source);
        target = Path.GetFullPath(target);
        if (!Directory.Exists(source))
        {
            throw new BackupException(BackupFailure.NotFound, $"No data folder at '{source}'.");
        }

        var databasePath = Path.Combine(source, SqliteStorageOptions.DatabaseFileName);
        if (!File.Exists(databasePath))
        {
            throw new BackupException(BackupFailure.NotADataFolder, $"'{source}' is not a data folder: it has no {SqliteStorageOptions.DatabaseFileName}.");
        }

        ThrowIfNotEmpty(target, "--to", force: false);
        return await WriteIntoPlaceAsync(target, force: false, async staging =>
        {
            var stopwatch = Stopwatch.StartNew();
            progress?.Report($"Copying the database {databasePath} (online backup)...");
            var schemaVersion = await Task.Run(() => BackupDatabase(databasePath, Path.Combine(staging, SqliteStorageOptions.DatabaseFileName)), cancellationToken);

            progress?.Report("Copying the search indexes...");
            var indexRoot = Path.Combine(source, "index");
            if (Directory.Exists(indexRoot))
            {
                foreach (var tenant in Directory.EnumerateDirectories(indexRoot))
                {
                    await CopyIndexFilesAsync(tenant, Path.Combine(staging, "index", Path.GetFileName(tenant)), cancellationToken);
                }
            }

            progress?.Report("Copying the originals and the key secret...");
            CopyTree(Path.Combine(source, "files"), Path.Combine(staging, "files"), cancellationToken);
            CopyTree(Path.Combine(source, Path.GetDirectoryName(SqliteApiKeyStore.KeySecretPath)!), Path.Combine(staging, Path.GetDirectoryName(SqliteApiKeyStore.KeySecretPath)!), cancellationToken);

            var files = new List<BackupFile>();
            foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                files.Add(new BackupFile(RelativeName(staging, file), new FileInfo(file).Length, await HashAsync(file, cancellationToken)));
            }

            var manifest = new BackupManifest(FormatVersion, now, source, schemaVersion, files);
            await File.WriteAllTextAsync(Path.Combine(staging, ManifestFileName), JsonSerializer.Serialize(manifest, Json), cancellationToken);
            progress?.Report($"Backed up {files.Count} files ({files.Sum(f => f.Bytes)} bytes) in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
            return manifest;
        }, cancellationToken);
    }

    /// <summary>
    /// Verifies the backup at <paramref name="from"/> against its manifest and restores it as the data folder
    /// <paramref name="target"/>, which must not exist or be empty unless <paramref name="force"/> (its content is then
    /// replaced, only once the copy is complete and verified). Returns the manifest. Throws <see cref="BackupException"/>:
    /// <see cref="BackupFailure.NotFound"/>, <see cref="BackupFailure.NotABackup"/> (no or an unreadable manifest),
    /// <see cref="BackupFailure.TargetNotEmpty"/>, <see cref="BackupFailure.Corrupt"/> (a file missing or not matching its
    /// checksum; nothing is written) or <see cref="BackupFailure.Failed"/>.
    /// </summary>
    public static async Task<BackupManifest> RestoreAsync(string from, string target, bool force, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        from = Path.GetFullPath(from);
        target = Path.GetFullPath(target);
        if (!Directory.Exists(from))
        {
            throw new BackupException(BackupFailure.NotFound, $"No backup at '{from}'.");
        }

        var manifest = ReadManifest(from);
        ThrowIfNotEmpty(target, "--data", force);
        progress?.Report($"Verifying {manifest.Files.Count} files against {ManifestFileName}...");
        foreach (var file in manifest.Files)
        {
            var path = ResolveInside(from, file.Path);
            if (!File.Exists(path) || new FileInfo(path).Length != file.Bytes || await HashAsync(path, cancellationToken) != file.Sha256)
            {
                throw new BackupException(BackupFailure.Corrupt,
                    $"The backup at '{from}' is damaged: {file.Path} is {(File.Exists(path) ? "not what the manifest says (size or SHA-256 differ)" : "missing")}; nothing was restored.");
            }
        }

        return await WriteIntoPlaceAsync(target, force, async staging =>
        {
            progress?.Report($"Restoring into {target}...");
            foreach (var file in manifest.Files)
            {
                var copy = Path.Combine(staging, file.Path);
                CopyFile(ResolveInside(from, file.Path), copy);
                if (await HashAsync(copy, cancellationToken) != file.Sha256)
                {
                    throw new BackupException(BackupFailure.Corrupt, $"The backup's {file.Path} changed while it was restored; nothing was restored.");
                }
            }

            return manifest;
        }, cancellationToken);
    }

    /// <summary>Reads and checks a backup's manifest. Throws <see cref="BackupException"/> (<see cref="BackupFailure.NotABackup"/>).</summary>
    public static BackupManifest ReadManifest(string from)
    {
        var path = Path.Combine(from, ManifestFileName);
        if (!File.Exists(path))
        {
            throw new BackupException(BackupFailure.NotABackup, $"'{from}' is not a backup: it has no {ManifestFileName}.");
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new BackupException(BackupFailure.NotABackup, $"The backup's {ManifestFileName} is unreadable: {ex.Message}");
        }

        if (manifest?.Files is null || manifest.Format != FormatVersion)
        {
            throw new BackupException(BackupFailure.NotABackup,
                $"The backup's {ManifestFileName} has format {manifest?.Format.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; this AgentRag reads format {FormatVersion}.");
        }

        if (!manifest.Files.Any(f => f.Path == SqliteStorageOptions.DatabaseFileName))
        {
            throw new BackupException(BackupFailure.NotABackup, $"The backup's {ManifestFileName} lists no {SqliteStorageOptions.DatabaseFileName}.");
        }

        foreach (var file in manifest.Files)
        {
            _ = ResolveInside(from, file.Path);
        }

        return manifest;
    }

    private static int BackupDatabase(string sourcePath, string targetPath)
    {
        using var source = new AdoConnection($"Data Source={sourcePath};Mode=ReadOnly;Pooling=False");
        using var target = new AdoConnection($"Data Source={targetPath};Mode=ReadWriteCreate;Pooling=False");
        source.Open();
        target.Open();

        // One step over every page, under one read transaction: the copy is the database as of one commit, while the
        // live writer goes on (WAL readers do not block it).
        source.BackupDatabase(target);
        using var version = target.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Copies each index (snapshot and journal) of a tenant under that index's lock file.</summary>
    private static async Task CopyIndexFilesAsync(string tenantFolder, string targetFolder, CancellationToken cancellationToken)
    {
        var names = Directory.EnumerateFiles(tenantFolder)
            .Select(Path.GetFileName)
            .Where(n => n!.EndsWith(".snapshot", StringComparison.Ordinal) || n.EndsWith(".journal", StringComparison.Ordinal))
            .Select(n => Path.GetFileNameWithoutExtension(n!))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var journal = Path.Combine(tenantFolder, name + ".journal");
            using var held = await AcquireIndexLockAsync(journal + ".lock", cancellationToken);
            foreach (var file in new[] { Path.Combine(tenantFolder, name + ".snapshot"), journal })
            {
                if (File.Exists(file))
                {
                    CopyFile(file, Path.Combine(targetFolder, Path.GetFileName(file)));
                }
            }
        }
    }

    private static async Task<FileStream> AcquireIndexLockAsync(string lockPath, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (FileDistributedLock.TryOpenLockFile(lockPath) is { } held)
            {
                return held;
            }

            if (Stopwatch.GetElapsedTime(started) > IndexLockTimeout)
            {
                throw new BackupException(BackupFailure.Failed, $"The index lock '{lockPath}' stayed held for over {IndexLockTimeout.TotalSeconds:0} s.");
            }

            // Real time on purpose: the other process holds the lock for one append or snapshot.
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    private static void CopyTree(string source, string target, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(source))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                CopyFile(file, Path.Combine(target, Path.GetRelativePath(source, file)));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Deleted meanwhile (a document deleted while the backup ran): it is not part of the copy.
            }
        }
    }

    /// <summary>Copies a file, keeping its Unix permissions (the key secret stays owner-only).</summary>
    private static void CopyFile(string source, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, File.GetUnixFileMode(source));
        }
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static string RelativeName(string root, string file) => Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>A manifest path as a file under <paramref name="root"/>; one that leaves it is refused.</summary>
    private static string ResolveInside(string root, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(root, relative));
        if (string.IsNullOrEmpty(relative) || !path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new BackupException(BackupFailure.NotABackup, $"The backup's {ManifestFileName} names a file outside the backup: '{relative}'.");
        }

        return path;
    }

    private static void ThrowIfNotEmpty(string folder, string option, bool force)
    {
        if (!force && Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new BackupException(BackupFailure.TargetNotEmpty,
                $"'{folder}' ({option}) is not empty; choose a new folder{(option == "--data" ? ", or give --force to replace its content" : "")}.");
        }
    }

    /// <summary>Runs <paramref name="write"/> on a fresh sibling of <paramref name="target"/>, then moves it into place; on failure removes it.</summary>
    private static async Task<T> WriteIntoPlaceAsync<T>(string target, bool force, Func<string, Task<T>> write, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(target) ?? throw new BackupException(BackupFailure.Failed, $"'{target}' has no parent folder.");
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var result = await write(staging);
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.Exists(target))
            {
                ThrowIfNotEmpty(target, "--data", force);
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(staging, target);
            return result;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new BackupException(BackupFailure.Failed, $"Writing '{target}' failed: {ex.Message}; nothing was written there.", ex);
        }
        finally
        {
            DataFolder.DeleteFolder(staging);
        }
    }
}

/// <summary>What a backup holds: the manifest written last into its folder.</summary>
/// <param name="Format">The manifest's format (<see cref="DataFolderBackup.FormatVersion"/>).</param>
/// <param name="CreatedAt">When the backup was taken.</param>
/// <param name="Source">The data folder it was taken from.</param>
/// <param name="SchemaVersion">The database's schema version.</param>
/// <param name="Files">Every file, '/'-separated relative paths, with sizes and SHA-256.</param>
public sealed record BackupManifest(int Format, DateTimeOffset CreatedAt, string Source, int SchemaVersion, IReadOnlyList<BackupFile> Files);

/// <summary>One file of a backup.</summary>
public sealed record BackupFile(string Path, long Bytes, string Sha256);

/// <summary>Why a backup or a restore was refused or failed.</summary>
public enum BackupFailure
{
    NotFound,
    NotADataFolder,
    NotABackup,
    TargetNotEmpty,
    Corrupt,
    Failed,
}

/// <summary>A backup or restore that did not happen; nothing was written at its target.</summary>
public sealed class BackupException(BackupFailure failure, string message, Exception? innerException = null) : Exception(message, innerException)
{
    public BackupFailure Failure { get; } = failure;
}
