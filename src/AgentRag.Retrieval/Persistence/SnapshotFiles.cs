namespace AgentRag.Retrieval.Persistence;

/// <summary>Where the index catalogs keep their files, and how a snapshot replaces the previous one. Thread-safe.</summary>
internal static class SnapshotFiles
{
    /// <summary>The folder under the data folder that holds every tenant's index files (<c>&lt;data&gt;/index</c>).</summary>
    public static string IndexRoot(string dataDirectory) => Path.Combine(Path.GetFullPath(dataDirectory), "index");

    /// <summary>
    /// Writes <paramref name="path"/> all or nothing: into a temporary file flushed to disk, then moved over the old one,
    /// so a crash leaves either the previous snapshot or the new one, never half of one.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
