using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary>
/// <c>agentrag bench peers</c> on a small slice of the real SciFact and a tiny synthetic corpus: ours, Lucene.NET and the
/// JavaScript engines (installed with <c>npm ci</c> from the committed lockfile into a temp folder) in one run.
/// </summary>
public sealed class BenchPeersCommandTests : IDisposable
{
    private readonly TempDirectory _folder = new("agentrag-bench-peers");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task BenchPeers_SciFactSliceAndTinySyntheticCorpus_EveryEngineReportsTheSameShapeAndLuceneMatchesOurNdcg()
    {
        var dataset = SciFactSlice.Write(_folder.Combine("scifact"), skip: 0);

        var result = await CliProcess.RunAsync(
            ["bench", "peers", "--scifact", dataset, "--chunks", "1000", "--js-chunks", "1000", "--queries", "10", "--js-install", _folder.Combine("js"), "--json"]);

        result.ExitCode.ShouldBe(0, result.ToString());
        var report = JsonDocument.Parse(result.StandardOutput).RootElement;
        report.GetProperty("loadAverageAtStart").ValueKind.ShouldBe(JsonValueKind.Number);
        var sciFact = report.GetProperty("sciFact");
        var engines = sciFact.GetProperty("engines").EnumerateArray().ToList();
        engines.Select(e => e.GetProperty("engine").GetString()).ShouldBe(["ours", "lucene.net", "minisearch 7.2.0", "wink-bm25 3.1.2"]);
        foreach (var engine in engines)
        {
            engine.GetProperty("status").GetString().ShouldBe("ok", engine.ToString());
            engine.GetProperty("ndcg10").GetDouble().ShouldBeInRange(0.3, 1.0, engine.ToString());
            engine.GetProperty("queryMsP95").GetDouble().ShouldBeGreaterThanOrEqualTo(engine.GetProperty("queryMsP50").GetDouble());
        }

        Math.Round(engines[0].GetProperty("ndcg10").GetDouble(), 3).ShouldBe(Math.Round(engines[1].GetProperty("ndcg10").GetDouble(), 3));
        sciFact.GetProperty("ndcg10MatchesLuceneToThirdDecimal").GetBoolean().ShouldBeTrue();

        var synthetic = report.GetProperty("synthetic").EnumerateArray().Single();
        synthetic.GetProperty("chunks").GetInt32().ShouldBe(1000);
        synthetic.GetProperty("oursIndexingTimesLucene").GetDouble().ShouldBeGreaterThan(0);
        foreach (var engine in synthetic.GetProperty("engines").EnumerateArray())
        {
            engine.GetProperty("status").GetString().ShouldBe("ok", engine.ToString());
            engine.GetProperty("indexMegabytesPerSecond").GetDouble().ShouldBeGreaterThan(0);
            engine.GetProperty("latencies").EnumerateArray().Select(l => (l.GetProperty("shape").GetString(), l.GetProperty("queries").GetInt32()))
                .ShouldBe([("1-term OR", 10), ("2-term OR", 10), ("5-term OR", 10)], engine.ToString());
        }
    }

    [Fact]
    public async Task BenchPeers_JavaScriptEngineOutOfMemory_ReportedAsFailedBesideTheDotNetEngines()
    {
        var result = await CliProcess.RunAsync(
            ["bench", "peers", "--scifact", "none", "--chunks", "300", "--js-chunks", "300", "--queries", "5", "--js-max-old-space", "1",
                "--js-install", _folder.Combine("js"), "--json"]);

        result.ExitCode.ShouldBe(0, result.ToString());
        var engines = JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("synthetic")[0].GetProperty("engines").EnumerateArray().ToList();
        engines.Select(e => (e.GetProperty("engine").GetString(), e.GetProperty("status").GetString()))
            .ShouldBe([("ours", "ok"), ("lucene.net", "ok"), ("minisearch", "failed"), ("wink-bm25", "failed")]);
        engines[2].GetProperty("detail").GetString().ShouldStartWith("exit code ");
    }

    [Theory]
    [InlineData(new[] { "--chunks", "1000", "--js-chunks", "5" }, "--js-chunks 5 is not one of --chunks (1000)")]
    [InlineData(new[] { "--chunks", "0", "1000" }, "--chunks takes positive sizes, or 0 alone")]
    [InlineData(new[] { "--scifact", "/nonexistent/scifact" }, "SciFact folder '/nonexistent/scifact' does not exist")]
    public async Task BenchPeers_BadOptions_UsageExitCodeNamingTheOption(string[] options, string message)
    {
        var result = await CliProcess.RunAsync(["bench", "peers", .. options]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StandardOutput.ShouldBeEmpty();
        result.StandardError.ShouldContain(message);
    }
}
