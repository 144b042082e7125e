using System.Diagnostics;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary>
/// What the CLI's human-readable output looks like where it goes: plain text when piped (whatever <c>TERM</c> says),
/// colours on a terminal (a pseudo-terminal from util-linux's <c>script</c>) unless <c>NO_COLOR</c> is set.
/// </summary>
public sealed class CliOutputTests
{
    private static readonly Dictionary<string, string?> ColourTerminal = new() { ["TERM"] = "xterm-256color", ["NO_COLOR"] = null };

    [Fact]
    public async Task IngestDocsListSearch_OutputPiped_NoEscapeCodesAndIdsStayWhole()
    {
        using var data = new TempDirectory();

        var ingest = await CliProcess.RunAsync(
            ["ingest", SharedPaths.CorpusFile("nodejs-url.md"), SharedPaths.CorpusFile("debian-menu-policy-ch2.docx"), "--data", data.Path], ColourTerminal);
        var list = await CliProcess.RunAsync(["docs", "list", "--data", data.Path], ColourTerminal);
        var search = await CliProcess.RunAsync(["search", "url parse", "--k", "2", "--data", data.Path], ColourTerminal);

        foreach (var result in new[] { ingest, list, search })
        {
            result.ExitCode.ShouldBe(0, result.ToString());
            result.StandardOutput.ShouldNotContain('\u001b', result.ToString());
        }

        var json = await CliProcess.RunAsync(["docs", "list", "--data", data.Path, "--json"]);
        foreach (var document in JsonDocument.Parse(json.StandardOutput).RootElement.GetProperty("items").EnumerateArray())
        {
            // A table cut at 80 columns would break ids and names across lines, which scripts cannot grep.
            list.StandardOutput.ShouldContain(document.GetProperty("id").GetString()!, Case.Sensitive, list.ToString());
            list.StandardOutput.ShouldContain(document.GetProperty("fileName").GetString()!, Case.Sensitive, list.ToString());
            ingest.StandardOutput.ShouldContain(document.GetProperty("id").GetString()!, Case.Sensitive, ingest.ToString());
        }
    }

    [Fact]
    public async Task Search_OnATerminal_ColoursUnlessNoColorIsSet()
    {
        using var data = new TempDirectory();
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-url.md"), "--data", data.Path, "--json"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());
        string[] search = ["search", "url parse", "--k", "2", "--data", data.Path];

        var coloured = await RunOnTerminalAsync(search, noColor: false);
        var plain = await RunOnTerminalAsync(search, noColor: true);

        coloured.ShouldContain("\u001b[38;");
        plain.ShouldContain("nodejs-url.md");
        plain.ShouldNotContain("\u001b[38;");
        plain.ShouldNotContain("\u001b[48;");
    }

    /// <summary>Runs the built CLI on a pseudo-terminal (<c>script -qec … /dev/null</c>) and returns what it wrote there.</summary>
    private static async Task<string> RunOnTerminalAsync(IEnumerable<string> arguments, bool noColor)
    {
        var command = string.Join(' ', new[] { "dotnet", CliProcess.CliAssemblyPath }.Concat(arguments).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-qec", command, "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("AGENTRAG_DATA");
        if (noColor)
        {
            start.Environment["NO_COLOR"] = "1";
        }
        else
        {
            start.Environment.Remove("NO_COLOR");
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, output);
        return output;
    }
}
