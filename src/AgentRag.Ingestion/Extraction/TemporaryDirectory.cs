namespace AgentRag.Ingestion.Extraction;

/// <summary>A private folder under the system temp folder for one extraction's intermediate files, deleted on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentrag-extract-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the OS temp cleaner removes what is left.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
