using System.Text;
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

    /// <summary>Writes the corpus file's text as UTF-16 without a byte order mark under the same name and returns its path.</summary>
    public static string WriteUtf16WithoutBom(this TempDirectory directory, string corpusFile, bool bigEndian)
    {
        var path = directory.Combine(corpusFile);
        File.WriteAllBytes(path, new UnicodeEncoding(bigEndian, byteOrderMark: false).GetBytes(File.ReadAllText(SharedPaths.CorpusFile(corpusFile))));
        return path;
    }
}
