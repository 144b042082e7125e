namespace AgentRag.Core;

/// <summary>The layout of an embedded-mode data folder. Created on first use.</summary>
public sealed class DataFolder
{
    public DataFolder(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Deletes <paramref name="path"/> and everything under it; nothing when it does not exist. Idempotent.</summary>
    public static void DeleteFolder(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>The SQLite database file.</summary>
    public string DatabasePath => Path.Combine(Root, "agentrag.db");

    /// <summary>Originals of uploaded files, kept for reprocessing and for showing pages.</summary>
    public string FilesDirectory => Path.Combine(Root, "files");

    /// <summary>The persisted search indexes, one folder per tenant.</summary>
    public string IndexDirectory => Path.Combine(Root, "index");

    /// <summary>Scratch space for uploads in flight and extraction work files.</summary>
    public string TempDirectory => Path.Combine(Root, "tmp");

    /// <summary>Lock file held by the process that owns background work (ingestion recovery) in this folder.</summary>
    public string WorkerLockPath => Path.Combine(Root, "worker.lock");
}
