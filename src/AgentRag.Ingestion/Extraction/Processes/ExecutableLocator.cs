namespace AgentRag.Ingestion.Extraction.Processes;

/// <summary>Finds executables on PATH, the way a shell would, without running them.</summary>
internal static class ExecutableLocator
{
    /// <summary>The full path of <paramref name="name"/> in <paramref name="directory"/> or, when that is null, on PATH; null when absent.</summary>
    public static string? Find(string name, string? directory = null)
    {
        var directories = directory is not null
            ? [directory]
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var candidates = OperatingSystem.IsWindows() ? [name + ".exe", name] : new[] { name };
        foreach (var dir in directories)
        {
            foreach (var candidate in candidates)
            {
                var full = Path.Combine(dir, candidate);
                if (File.Exists(full))
                {
                    return full;
                }
            }
        }

        return null;
    }
}
