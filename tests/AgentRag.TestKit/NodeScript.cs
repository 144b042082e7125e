using System.Diagnostics;
using Xunit;

namespace AgentRag.TestKit;

/// <summary>
/// Runs Node.js in one of the repository's npm test folders (<c>tests/openapi-client</c>, <c>tests/mcp-client</c>),
/// whose packages <c>./test.sh</c> installs with <c>npm ci</c> from the committed lock file.
/// </summary>
public static class NodeScript
{
    /// <summary>The folder <c>tests/<paramref name="name"/></c> of the repository.</summary>
    public static string Folder(string name) => Path.Combine(SharedPaths.RepositoryRoot, "tests", name);

    /// <summary>
    /// Runs <c>node <paramref name="arguments"/></c> in <paramref name="folder"/> with <paramref name="environment"/> added,
    /// and returns its standard output and error. Fails the test, with that output, unless node exits
    /// <paramref name="expectedExitCode"/> (default 0) within <paramref name="timeout"/> (default 3 minutes; the process
    /// tree is killed then), or when the folder's <c>node_modules</c> is missing.
    /// </summary>
    public static async Task<string> RunAsync(
        string folder, IReadOnlyDictionary<string, string>? environment, IEnumerable<string> arguments, TimeSpan? timeout = null,
        int expectedExitCode = 0)
    {
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            Assert.Fail($"{folder}/node_modules is missing: ./test.sh installs it with 'npm ci'.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"node {string.Join(' ', start.ArgumentList)} did not finish within {timeout ?? TimeSpan.FromMinutes(3)}:\n{await stdout}\n{await stderr}");
        }

        var output = $"{await stdout}\n{await stderr}";
        if (process.ExitCode != expectedExitCode)
        {
            Assert.Fail($"node {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}:\n{output}");
        }

        return output;
    }
}
