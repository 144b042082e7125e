namespace AgentRag.TestKit;

/// <summary>Locates the repository and the read-only <c>../shared</c> folder beside it.</summary>
public static class SharedPaths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Shared { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static string Corpus { get; } = Path.Combine(Shared, "corpus");

    public static string CorpusFile(string name) => Path.Combine(Corpus, name);

    public static string SciFact { get; } = Path.Combine(Shared, "datasets", "scifact");

    public static string Questions { get; } = Path.Combine(Shared, "questions", "corpus.jsonl");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentRag.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AgentRag.slnx not found above {AppContext.BaseDirectory}.");
    }
}
