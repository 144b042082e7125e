namespace AgentRag.Core.Coordination;

/// <summary>
/// <see cref="IDistributedLock"/> over lock files in a folder shared by the processes (the data folder): lease
/// <c>a/b</c> is an exclusive lock on <c>&lt;root&gt;/a/b.lock</c>, which the operating system releases if the holder
/// dies, so a crash never leaves a lease held. The lock files stay behind (deleting one while another process opens it
/// would let two holders in); they are the same files earlier releases locked (<c>worker.lock</c>,
/// <c>index/&lt;tenant&gt;/bm25.journal.lock</c>), so a process of an earlier release on the same folder is excluded too.
/// A lease held elsewhere is polled for every 10 ms on <see cref="TimeProvider"/> (the system clock in production: the
/// holder is another process). Thread-safe; holds no state besides its root, so two instances over one folder exclude
/// each other as two processes do.
/// </summary>
public sealed class FileDistributedLock : IDistributedLock
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private readonly TimeProvider _time;

    /// <param name="root">The folder the lock files live under (created on first use).</param>
    /// <param name="time">The clock timeouts are measured and polls are spaced on; the system clock by default.</param>
    public FileDistributedLock(string root, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The folder the lock files live under.</summary>
    public string Root { get; }

    /// <summary>The lock file of lease <paramref name="name"/>. Throws <see cref="ArgumentException"/> for a malformed name.</summary>
    public string GetLockFilePath(string name)
    {
        LeaseNames.ThrowIfInvalid(name);
        return Path.Combine(Root, name.Replace('/', Path.DirectorySeparatorChar)) + ".lock";
    }

    public ValueTask<ILease?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = GetLockFilePath(name);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<ILease?>(TryLock(name, path));
    }

    public async ValueTask<ILease> AcquireAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var path = GetLockFilePath(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        var started = _time.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryLock(name, path) is { } lease)
            {
                return lease;
            }

            if (_time.GetElapsedTime(started) >= timeout)
            {
                throw new LeaseUnavailableException(
                    name, $"The lease '{name}' stayed held by another process for over {timeout.TotalSeconds:0.###} s (lock file '{path}').");
            }

            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>
    /// Opens (creating it if needed) the lock file at <paramref name="path"/> exclusively, or returns null when another
    /// holder has it open: another process, or another handle in this one. The operating system releases it when the
    /// returned stream is disposed or the process dies. Throws <see cref="DirectoryNotFoundException"/> when its folder
    /// is missing, and the other <see cref="IOException"/>s of a path that cannot be opened at all.
    /// </summary>
    public static FileStream? TryOpenLockFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException ex) when (ex is not (DirectoryNotFoundException or FileNotFoundException or PathTooLongException))
        {
            // Locked by another holder. Its HResult differs by platform (ERROR_SHARING_VIOLATION on Windows, EWOULDBLOCK
            // from flock on Unix), so the exception's type is what tells it apart from a path that cannot be opened.
            return null;
        }
    }

    private static Lease? TryLock(string name, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return TryOpenLockFile(path) is { } file ? new Lease(name, file) : null;
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
                // First use, or the folder was deleted meanwhile (a tenant's index erased): make it and retry.
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
        }
    }

    private sealed class Lease(string name, FileStream file) : ILease
    {
        public string Name { get; } = name;

        public void Dispose() => file.Dispose();

        public ValueTask DisposeAsync() => file.DisposeAsync();
    }
}
