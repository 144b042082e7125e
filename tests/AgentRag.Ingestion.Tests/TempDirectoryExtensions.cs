using AgentRag.TestKit;

namespace AgentRag.Ingestion.Tests;

internal static class TempDirectoryExtensions
{
    /// <summary>Writes a UTF-8 text file into the folder and returns its path.</summary>
    public static string WriteText(this TempDirectory directory, string name, string content)
    {
        var path = directory.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }
}
