using System.Diagnostics;
using AgentRag.TestKit;

namespace AgentRag.Server.Tests;

/// <summary>Runs a Node script of <c>tests/openapi-client</c> (its packages installed by <c>./test.sh</c> with <c>npm ci</c>).</summary>
internal static class NodeScript
{
    public static readonly string Folder = Path.Combine(SharedPaths.RepositoryRoot, "tests", "openapi-client");

    /// <summary>Runs node in <see cref="Folder"/>; fails with its output unless it exits 0 within 3 minutes.</summary>
    public static async Task<string> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules")))
        {
            throw new ShouldAssertException($"{Folder}/node_modules is missing: ./test.sh installs it with 'npm ci'.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = $"{await stdout}\n{await stderr}";
        process.ExitCode.ShouldBe(0, $"node {string.Join(' ', arguments)} failed:\n{output}");
        return output;
    }
}
