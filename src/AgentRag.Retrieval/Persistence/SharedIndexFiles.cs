using System.Diagnostics;
using AgentRag.Core.Coordination;

namespace AgentRag.Retrieval.Persistence;

/// <summary>
/// One tenant's persisted index (<typeparamref name="TState"/>) in its folder: a snapshot file plus a journal of the
/// changes since, kept in step with other processes that write the same folder (a CLI command beside a running server).
/// Loading, catching up and writing happen under an exclusive lock file (<c>&lt;journal&gt;.lock</c>), so the snapshot
/// and journal are always read and written as a consistent pair; before each write, the records other processes appended
/// are applied first, and a snapshot another process wrote (it empties the journal) makes this process reload. Readers
/// see other processes' changes after <see cref="RefreshAsync"/>. Thread-safe: writes and refreshes are serialized; the
/// state is replaced atomically on reload, and searches may keep using the state they got.
/// </summary>
internal sealed class SharedIndexFiles<TState> : IDisposable
    where TState : class
{
    /// <summary>How long a writer waits for another process to release the lock file before giving up.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(1);

    private readonly string _snapshotPath;
    private readonly string _journalPath;
    private readonly string _lockPath;
    private readonly Codec _codec;
    private readonly bool _sync;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile TState _state = null!;
    private volatile RecordJournal _journal = null!;
    private FileStamp _snapshot;

    /// <summary>How a state is read from a snapshot (null: none yet), changed by a journal record, and written to a snapshot.</summary>
    public sealed record Codec(Func<Stream?, TState> ReadSnapshot, Action<TState, byte[]> Apply, Action<TState, Stream> WriteSnapshot);

    private SharedIndexFiles(string directory, string snapshotFileName, string journalFileName, Codec codec, bool sync)
    {
        Directory = directory;
        _snapshotPath = Path.Combine(directory, snapshotFileName);
        _journalPath = Path.Combine(directory, journalFileName);
        _lockPath = _journalPath + ".lock";
        _codec = codec;
        _sync = sync;
    }

    public string Directory { get; }

    /// <summary>The state as of the last load, refresh or write. Never null.</summary>
    public TState State => _state;

    /// <summary>
    /// Opens the tenant's index in <paramref name="directory"/> (created if missing): reads the snapshot, if any, and
    /// replays the journal, under the lock file. Throws what <see cref="Codec.ReadSnapshot"/> throws for an unreadable
    /// snapshot, and <see cref="IOException"/> when another process holds the lock for over a minute.
    /// </summary>
    public static SharedIndexFiles<TState> Open(string directory, string snapshotFileName, string journalFileName, Codec codec, bool sync, out int replayed)
    {
        System.IO.Directory.CreateDirectory(directory);
        var files = new SharedIndexFiles<TState>(directory, snapshotFileName, journalFileName, codec, sync);
        using (files.AcquireLock())
        {
            replayed = files.Load();
        }

        return files;
    }

    /// <summary>
    /// Applies the changes other processes made to the files since this one last read or wrote them, and returns true
    /// if there were any. Cheap when there were none (two file-system stats, no lock).
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (!ChangedOnDisk())
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            using (AcquireLock())
            {
                return CatchUp();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Catches up with other processes, then asks <paramref name="change"/> for the journal record of a change to the
    /// current state (null: nothing to do), journals it, and applies it with <paramref name="apply"/>. Writes a snapshot
    /// (and empties the journal) when the journal has reached <paramref name="snapshotBytes"/>.
    /// </summary>
    public async Task WriteAsync(Func<TState, byte[]?> change, Action<TState> apply, long snapshotBytes, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using (AcquireLock())
            {
                CatchUp();
                if (change(_state) is not { } payload)
                {
                    return;
                }

                _journal.Append(payload);
                apply(_state);
                if (_journal.FileLength >= snapshotBytes)
                {
                    WriteSnapshot();
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Catches up with other processes, then writes a fresh snapshot and empties the journal.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using (AcquireLock())
            {
                CatchUp();
                WriteSnapshot();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool ChangedOnDisk()
    {
        var journal = _journal;
        return FileStamp.Of(_snapshotPath) != _snapshot || journal.FileLength != journal.Position;
    }

    /// <summary>Under the lock: applies what other processes appended, or reloads when one wrote a snapshot since.</summary>
    private bool CatchUp()
    {
        if (FileStamp.Of(_snapshotPath) != _snapshot || _journal.FileLength < _journal.Position)
        {
            var previous = _journal;
            Load();
            previous.Dispose();
            return true;
        }

        return _journal.ReplayNew(payload => _codec.Apply(_state, payload)) > 0;
    }

    /// <summary>Under the lock: reads the snapshot and replays the journal into a new state, then publishes both.</summary>
    private int Load()
    {
        var stamp = FileStamp.Of(_snapshotPath);
        TState state;
        if (stamp.Exists)
        {
            using var stream = new FileStream(_snapshotPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            state = _codec.ReadSnapshot(stream);
        }
        else
        {
            state = _codec.ReadSnapshot(null);
        }

        var journal = RecordJournal.OpenAndReplay(_journalPath, payload => _codec.Apply(state, payload), _sync, out var replayed);
        _snapshot = stamp;
        _state = state;
        _journal = journal;
        return replayed;
    }

    /// <summary>Under the lock: replaces the snapshot atomically, then empties the journal.</summary>
    private void WriteSnapshot()
    {
        SnapshotFiles.WriteAtomically(_snapshotPath, stream => _codec.WriteSnapshot(_state, stream));
        _snapshot = FileStamp.Of(_snapshotPath);
        _journal.Truncate();
    }

    /// <summary>
    /// Takes the folder's lock file, shared with other processes. A lock held elsewhere is waited for in wall-clock
    /// time (the other process's clock, not an injected one): writers hold it for one append or snapshot.
    /// </summary>
    private FileStream AcquireLock()
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (FileDistributedLock.TryOpenLockFile(_lockPath) is { } lockFile)
            {
                return lockFile;
            }

            if (Stopwatch.GetElapsedTime(started) > LockTimeout)
            {
                throw new IOException($"The index in '{Directory}' stayed locked by another process for over {LockTimeout.TotalSeconds:0} s ({_lockPath}).");
            }

            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        _journal?.Dispose();
        _gate.Dispose();
    }

    /// <summary>Identifies one version of the snapshot file: a new snapshot is a new file (written, then renamed over).</summary>
    private readonly record struct FileStamp(bool Exists, long Length, DateTime LastWriteUtc)
    {
        public static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.Length, info.LastWriteTimeUtc) : default;
        }
    }
}
