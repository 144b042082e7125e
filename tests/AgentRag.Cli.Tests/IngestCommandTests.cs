using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag ingest</c> and <c>agentrag docs</c>, run as the built CLI on the real corpus.</summary>
public sealed class IngestCommandTests
{
    [Fact]
    public async Task Ingest_CorpusPdfs_EveryPdfReadyWithItsPageCount()
    {
        using var data = new TempDirectory();
        string[] pdfs = ["R-intro.pdf", "R-data.pdf", "gnuplot.pdf", "fhs-3.0.pdf"];

        var result = await CliProcess.RunAsync(["ingest", .. pdfs.Select(SharedPaths.CorpusFile), "--data", data.Path, "--json"]);

        result.ExitCode.ShouldBe(0, result.ToString());
        var documents = ParseLines(result).ToDictionary(d => Path.GetFileName(d.GetProperty("file").GetString()!));
        documents.Keys.ShouldBe(pdfs, ignoreOrder: true);
        foreach (var (file, pages) in new[] { ("R-intro.pdf", 113), ("R-data.pdf", 41), ("gnuplot.pdf", 311), ("fhs-3.0.pdf", 50) })
        {
            documents[file].GetProperty("status").GetString().ShouldBe("ready", file);
            documents[file].GetProperty("pages").GetInt32().ShouldBe(pages, file);
            documents[file].GetProperty("chunks").GetInt32().ShouldBeGreaterThan(pages / 2, file);
            documents[file].GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        }
    }

    [Fact]
    public async Task Ingest_WholeCorpusFolder_AllNineReadyWithPagesOrHeadings()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(["ingest", SharedPaths.Corpus, "--data", data.Path, "--json"]);

        result.ExitCode.ShouldBe(0, result.ToString());
        var documents = ParseLines(result).ToList();
        documents.Count.ShouldBe(9);
        foreach (var document in documents)
        {
            var file = Path.GetFileName(document.GetProperty("file").GetString()!);
            document.GetProperty("status").GetString().ShouldBe("ready", file);
            var shown = await CliProcess.RunAsync(["docs", "show", document.GetProperty("id").GetString()!, "--chunks", "--data", data.Path, "--json"]);
            var chunks = JsonDocument.Parse(shown.StandardOutput).RootElement.GetProperty("chunks").EnumerateArray().ToList();
            chunks.ShouldNotBeEmpty(file);
            if (file.EndsWith(".pdf", StringComparison.Ordinal))
            {
                chunks.ShouldAllBe(c => c.GetProperty("pages").GetArrayLength() > 0, file);
            }
            else
            {
                chunks.ShouldAllBe(c => c.GetProperty("pages").GetArrayLength() == 0, file);
                chunks.ShouldAllBe(c => c.GetProperty("headingPath").GetString()!.Length > 0, file);
            }
        }
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    public async Task Ingest_DotTenant_UsageErrorAndNothingStored(string tenant)
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-url.md"), "--tenant", tenant, "--data", data.Path]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StandardError.ShouldContain($"Invalid --tenant '{tenant}'");
        result.StandardError.ShouldContain("other than '.' and '..'");
        Directory.EnumerateFiles(data.Path, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task Ingest_SameFileTwice_ReturnsTheExistingDocument()
    {
        using var data = new TempDirectory();
        var file = SharedPaths.CorpusFile("fhs-3.0.pdf");

        var first = await CliProcess.RunAsync(["ingest", file, "--data", data.Path, "--json"]);
        var second = await CliProcess.RunAsync(["ingest", file, "--data", data.Path, "--json"]);

        first.ExitCode.ShouldBe(0, first.ToString());
        second.ExitCode.ShouldBe(0, second.ToString());
        var id = ParseLines(first).Single().GetProperty("id").GetString();
        var again = ParseLines(second).Single();
        again.GetProperty("id").GetString().ShouldBe(id);
        again.GetProperty("duplicate").GetBoolean().ShouldBeTrue();
        var list = await CliProcess.RunAsync(["docs", "list", "--data", data.Path, "--json"]);
        JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("total").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Ingest_BadInputs_EachFailsWithItsReasonAndTheGoodFileIsReady()
    {
        using var data = new TempDirectory();
        using var inputs = new TempDirectory();
        var good = inputs.Combine("fhs-3.0.pdf");
        File.Copy(SharedPaths.CorpusFile("fhs-3.0.pdf"), good);
        var empty = inputs.Combine("empty.pdf");
        File.WriteAllBytes(empty, []);
        var truncated = inputs.Combine("truncated.pdf");
        var rData = File.ReadAllBytes(SharedPaths.CorpusFile("R-data.pdf"));
        File.WriteAllBytes(truncated, rData[..(rData.Length / 3)]);
        var renamed = inputs.Combine("readme.pdf");
        File.Copy(SharedPaths.CorpusFile("debian-policy-README.txt"), renamed);
        var encrypted = inputs.Combine("encrypted.pdf");
        TestPdfs.WritePasswordProtected(encrypted, "secret");
        var large = inputs.Combine("large.pdf");
        File.Copy(SharedPaths.CorpusFile("R-intro.pdf"), large); // 632 KB, over the 600 KB limit set below
        var missing = inputs.Combine("does-not-exist.pdf");

        var result = await CliProcess.RunAsync(
            ["ingest", good, empty, truncated, renamed, encrypted, large, missing, "--data", data.Path, "--json"],
            new Dictionary<string, string?> { ["AgentRag__Ingestion__MaxFileBytes"] = "600000" });

        result.ExitCode.ShouldNotBe(0);
        var byFile = ParseLines(result).ToDictionary(d => Path.GetFileName(d.GetProperty("file").GetString()!));
        byFile["fhs-3.0.pdf"].GetProperty("status").GetString().ShouldBe("ready");
        byFile["fhs-3.0.pdf"].GetProperty("pages").GetInt32().ShouldBe(50);
        ErrorOf(byFile, "empty.pdf").ShouldContain("empty");
        ErrorOf(byFile, "truncated.pdf").ShouldMatch("(?i)truncated|corrupt|damaged");
        ErrorOf(byFile, "readme.pdf").ShouldMatch("(?i)not a pdf|text");
        ErrorOf(byFile, "encrypted.pdf").ShouldMatch("(?i)password|encrypted");
        ErrorOf(byFile, "large.pdf").ShouldContain("larger than the limit");
        ErrorOf(byFile, "does-not-exist.pdf").ShouldContain("no such file");
        foreach (var name in new[] { "empty.pdf", "truncated.pdf", "readme.pdf", "encrypted.pdf", "large.pdf", "does-not-exist.pdf" })
        {
            ErrorOf(byFile, name).ShouldContain(name);
        }

        // A failed document keeps no chunks.
        var truncatedId = byFile["truncated.pdf"].GetProperty("id").GetString();
        truncatedId.ShouldNotBeNull();
        var shown = await CliProcess.RunAsync(["docs", "show", truncatedId, "--chunks", "--data", data.Path, "--json"]);
        shown.ExitCode.ShouldBe(0, shown.ToString());
        var root = JsonDocument.Parse(shown.StandardOutput).RootElement;
        root.GetProperty("document").GetProperty("status").GetString().ShouldBe("failed");
        root.GetProperty("chunks").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Ingest_KilledWhileChunking_NextRunFinishesWithTheSameChunks()
    {
        using var interrupted = new TempDirectory();
        using var uninterrupted = new TempDirectory();
        var file = SharedPaths.CorpusFile("R-data.pdf");

        await using (var held = CliProcess.Start(
            ["ingest", file, "--data", interrupted.Path, "--json", "--log-format", "json", "--log-level", "Warning"],
            new Dictionary<string, string?> { ["AGENTRAG_TEST_HOLD_AT_STAGE"] = "chunking" }))
        {
            await held.WaitForOutputAsync(line => line.Contains("holding at stage Chunking", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            held.Kill();
        }

        var listed = await CliProcess.RunAsync(["docs", "list", "--data", interrupted.Path, "--json"]);
        var stuck = JsonDocument.Parse(listed.StandardOutput).RootElement.GetProperty("items")[0];
        stuck.GetProperty("status").GetString().ShouldBe("processing");
        stuck.GetProperty("stage").GetString().ShouldBe("chunking");

        var resumed = await CliProcess.RunAsync(["ingest", file, "--data", interrupted.Path, "--json"]);
        var reference = await CliProcess.RunAsync(["ingest", file, "--data", uninterrupted.Path, "--json"]);

        resumed.ExitCode.ShouldBe(0, resumed.ToString());
        reference.ExitCode.ShouldBe(0, reference.ToString());
        var resumedChunks = await ChunkTextsAsync(interrupted.Path, ParseLines(resumed).Single().GetProperty("id").GetString()!);
        var referenceChunks = await ChunkTextsAsync(uninterrupted.Path, ParseLines(reference).Single().GetProperty("id").GetString()!);
        resumedChunks.Count.ShouldBeGreaterThan(10);
        resumedChunks.ShouldBe(referenceChunks);
    }

    [Fact]
    public async Task Docs_DeleteAndReprocess_WorkOnAnIngestedDocument()
    {
        using var data = new TempDirectory();
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("fhs-3.0.pdf"), "--data", data.Path, "--json"]);
        var id = ParseLines(ingest).Single().GetProperty("id").GetString()!;

        var reprocessed = await CliProcess.RunAsync(["docs", "reprocess", id, "--data", data.Path, "--json"]);
        reprocessed.ExitCode.ShouldBe(0, reprocessed.ToString());
        JsonDocument.Parse(reprocessed.StandardOutput).RootElement.GetProperty("status").GetString().ShouldBe("ready");

        var deleted = await CliProcess.RunAsync(["docs", "delete", id, "--data", data.Path, "--json"]);
        deleted.ExitCode.ShouldBe(0, deleted.ToString());
        var shown = await CliProcess.RunAsync(["docs", "show", id, "--data", data.Path]);
        shown.ExitCode.ShouldBe(4);
        shown.StandardError.ShouldContain($"No document '{id}'");
        var deletedAgain = await CliProcess.RunAsync(["docs", "delete", id, "--data", data.Path]);
        deletedAgain.ExitCode.ShouldBe(4);
    }

    [Fact]
    public async Task Search_ReadATableQuestion_AHitQuotesReadTableFromAnRManual()
    {
        using var data = new TempDirectory();
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("R-data.pdf"), SharedPaths.CorpusFile("R-intro.pdf"), SharedPaths.CorpusFile("gnuplot.pdf"), "--data", data.Path, "--json"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());

        var result = await CliProcess.RunAsync(["search", "how do I read a table from a file", "--data", data.Path, "--k", "3", "--json"]);

        result.ExitCode.ShouldBe(0, result.ToString());
        var hits = JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("hits").EnumerateArray().ToList();
        hits.Count.ShouldBe(3);
        hits.ShouldContain(h => h.GetProperty("text").GetString()!.Contains("read.table", StringComparison.Ordinal)
            && (h.GetProperty("documentName").GetString() == "R-data.pdf" || h.GetProperty("documentName").GetString() == "R-intro.pdf"));
    }

    [Fact]
    public async Task Search_MalformedQuery_ExitsWithUsageErrorAndPosition()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(["search", "data AND", "--data", data.Path]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StandardError.ShouldContain("position");
    }

    [Fact]
    public async Task Eval_SciFactBm25_MeetsTheNdcgTarget()
    {
        var result = await CliProcess.RunAsync(["eval", "--dataset", SharedPaths.SciFact, "--json"]);

        result.ExitCode.ShouldBe(0, result.ToString());
        var report = JsonDocument.Parse(result.StandardOutput).RootElement;
        report.GetProperty("queries").GetInt32().ShouldBe(300);
        report.GetProperty("ndcg@10").GetDouble().ShouldBeGreaterThanOrEqualTo(0.670);
        report.GetProperty("recall@100").GetDouble().ShouldBeGreaterThan(0.85);
    }

    [Fact]
    public async Task NoArguments_PrintsHelpAndSucceeds()
    {
        var result = await CliProcess.RunAsync([]);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldContain("ingest");
        result.StandardOutput.ShouldContain("docs");
    }

    /// <summary>Each chunk as "ordinal|pages|heading path|spans|text" (ids embed the document id, which differs per run).</summary>
    private static async Task<List<string>> ChunkTextsAsync(string data, string id)
    {
        var shown = await CliProcess.RunAsync(["docs", "show", id, "--chunks", "--data", data, "--json"]);
        shown.ExitCode.ShouldBe(0, shown.ToString());
        return JsonDocument.Parse(shown.StandardOutput).RootElement.GetProperty("chunks").EnumerateArray()
            .Select(c => string.Join("|",
                c.GetProperty("ordinal").GetInt32(),
                string.Join(",", c.GetProperty("pages").EnumerateArray().Select(p => p.GetInt32())),
                c.GetProperty("headingPath").GetString(),
                string.Join(",", c.GetProperty("spans").EnumerateArray().Select(s => s.ToString())),
                c.GetProperty("text").GetString()))
            .ToList();
    }

    private static string ErrorOf(Dictionary<string, JsonElement> byFile, string name)
    {
        byFile.ShouldContainKey(name);
        byFile[name].GetProperty("status").GetString().ShouldBe("failed", name);
        return byFile[name].GetProperty("error").GetString() ?? "";
    }

    private static IEnumerable<JsonElement> ParseLines(CliResult result) =>
        result.OutputLines.Select(line => JsonDocument.Parse(line).RootElement.Clone());
}
