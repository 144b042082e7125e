using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary>
/// <c>agentrag eval</c> and the data folder, on two disjoint slices of the real SciFact (its first and second 300
/// abstracts, each with the test queries judged only against it), written in BEIR format to a temp folder.
/// </summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly TempDirectory _datasets = new("agentrag-eval-datasets");
    private readonly string _first;
    private readonly string _second;

    public EvalCommandTests()
    {
        _first = SciFactSlice.Write(_datasets.Combine("scifact-a"), skip: 0);
        _second = SciFactSlice.Write(_datasets.Combine("scifact-b"), skip: 300);
    }

    public void Dispose() => _datasets.Dispose();

    [Fact]
    public async Task Eval_DataFolderHoldingAnotherDatasetsIndex_RefusedWithUsageExitCodeAndTheIndexKept()
    {
        using var data = new TempDirectory();
        var first = await CliProcess.RunAsync(["eval", "--dataset", _first, "--data", data.Path, "--json"]);
        first.ExitCode.ShouldBe(0, first.ToString());
        var before = Listing(data.Path);
        before.ShouldNotBeEmpty();

        var second = await CliProcess.RunAsync(["eval", "--dataset", _second, "--data", data.Path, "--json"]);

        second.ExitCode.ShouldBe(2, second.ToString());
        second.StandardOutput.ShouldBeEmpty();
        second.StandardError.ShouldContain($"'{data.Path}' already holds an evaluation index of 300 documents");
        Listing(data.Path).ShouldBe(before);
    }

    [Fact]
    public async Task Eval_EmptyDataFolder_KeepsTheIndexAndReportsWhatAThrowawayIndexDoes()
    {
        using var data = new TempDirectory();

        var kept = await CliProcess.RunAsync(["eval", "--dataset", _second, "--data", data.Path, "--json"]);
        var throwaway = await CliProcess.RunAsync(["eval", "--dataset", _second, "--json"]);

        Ndcg(kept).ShouldBe(Ndcg(throwaway));
        Ndcg(kept).ShouldBeGreaterThan(0.3);
        Directory.EnumerateFiles(data.Path, "bm25.*", SearchOption.AllDirectories).ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData("dataset")]
    [InlineData("planner")]
    public async Task Eval_WithoutData_LeavesTheWorkingDirectoryEmpty(string kind)
    {
        using var workingDirectory = new TempDirectory();
        string[] arguments = kind == "planner" ? ["eval", "planner", "--json"] : ["eval", "--dataset", _first, "--json"];

        var result = await CliProcess.RunAsync(arguments, workingDirectory: workingDirectory.Path);

        result.ExitCode.ShouldBe(0, result.ToString());
        Directory.EnumerateFileSystemEntries(workingDirectory.Path).ShouldBeEmpty();
    }

    /// <summary>The index files under <paramref name="directory"/>, with a hash of their contents.</summary>
    private static List<string> Listing(string directory) =>
        [.. Directory.EnumerateFiles(directory, "bm25.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}")];

    private static double Ndcg(CliResult result)
    {
        result.ExitCode.ShouldBe(0, result.ToString());
        return JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("ndcg@10").GetDouble();
    }
}
