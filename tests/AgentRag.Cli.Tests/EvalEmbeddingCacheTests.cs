using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Cli.Tests;

/// <summary>
/// <c>agentrag eval</c> keeps a dataset's embeddings in the dataset cache (<c>AgentRag:Embeddings:DatasetCacheDirectory</c>,
/// a temp folder here), outside the throwaway folder it evaluates in: a second run of the same corpus sends nothing to
/// the embedding model, which is the loopback OpenAI-protocol server (word-overlap vectors, so the scores mean something),
/// and scores the same; an edited corpus gets entries of its own. The dataset is 100 SciFact abstracts and the test
/// queries judged against them.
/// </summary>
public sealed class EvalEmbeddingCacheTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("agentrag-eval-cache");
    private OpenAiTestServer _server = null!;
    private string _dataset = null!;
    private string _cache = null!;

    public async Task InitializeAsync()
    {
        _server = await OpenAiTestServer.StartAsync();
        _server.EmbeddingDimensions = 256;
        _server.EmbeddingFunction = OpenAiTestServer.WordOverlapVectorFor;
        _cache = _folder.Combine("cache");
        _dataset = _folder.Combine("scifact-100");
        WriteDataset(_dataset, 100);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private Dictionary<string, string?> Environment(string? cacheDirectory = null) => new()
    {
        ["OPENAI_BASE_URL"] = _server.BaseUrl.ToString(),
        ["AGENTRAG_EMBEDDING_MODEL"] = "embed-eval",
        [EmbeddingTestSettings.ProviderVariable] = "openai",
        ["AgentRag__Embeddings__DatasetCacheDirectory"] = cacheDirectory ?? _cache,
    };

    /// <summary>Texts sent to the embedding model so far.</summary>
    private int EmbeddedTexts() => _server.Requests.Where(r => r.Route == "embeddings").Sum(r => r.Json!["input"]!.AsArray().Count);

    [Theory]
    [InlineData("dense")]
    [InlineData("hybrid")]
    public async Task Eval_SecondRunOfTheSameCorpus_EmbedsNothingAndScoresTheSame(string mode)
    {
        using var workingDirectory = new TempDirectory();

        var first = await CliProcess.RunAsync(["eval", "--dataset", _dataset, "--mode", mode, "--json"], Environment(), workingDirectory: workingDirectory.Path);
        var firstReport = Report(first);
        var embeddedFirst = EmbeddedTexts();
        var second = await CliProcess.RunAsync(["eval", "--dataset", _dataset, "--mode", mode, "--json"], Environment(), workingDirectory: workingDirectory.Path);
        var secondReport = Report(second);

        var queries = firstReport.GetProperty("queries").GetInt32();
        embeddedFirst.ShouldBe(100 + queries); // every abstract and query once
        firstReport.GetProperty("embeddings_cached").GetInt32().ShouldBe(0);
        first.StandardError.ShouldContain("0 from the dataset cache, 100 to compute");
        EmbeddedTexts().ShouldBe(embeddedFirst); // the second run sent nothing: corpus and queries came from the cache
        secondReport.GetProperty("embeddings_cached").GetInt32().ShouldBe(100);
        second.StandardError.ShouldContain("100 from the dataset cache, 0 to compute");
        secondReport.GetProperty("ndcg@10").GetDouble().ShouldBe(firstReport.GetProperty("ndcg@10").GetDouble());
        secondReport.GetProperty("ndcg@10").GetDouble().ShouldBeGreaterThan(0);
        Directory.EnumerateFileSystemEntries(workingDirectory.Path).ShouldBeEmpty(); // no ./data: the cache lives elsewhere
        Directory.EnumerateFiles(_cache).ShouldContain(f => Path.GetFileName(f) == "agentrag.db");
    }

    [Fact]
    public async Task Eval_EditedCorpus_DoesNotReuseTheOriginalsEntries()
    {
        var first = Report(await CliProcess.RunAsync(["eval", "--dataset", _dataset, "--mode", "dense", "--json"], Environment()));
        var embeddedFirst = EmbeddedTexts();
        var edited = _folder.Combine("edited", "scifact-100");
        WriteDataset(edited, 100);
        var corpus = Path.Combine(edited, "corpus.jsonl");
        File.WriteAllLines(corpus, [.. File.ReadLines(corpus).Take(99), File.ReadLines(corpus).Last().Replace("\"text\": \"", "\"text\": \"Edited. ", StringComparison.Ordinal)]);

        var second = Report(await CliProcess.RunAsync(["eval", "--dataset", edited, "--mode", "dense", "--json"], Environment()));

        first.GetProperty("embeddings_cached").GetInt32().ShouldBe(0);
        second.GetProperty("embeddings_cached").GetInt32().ShouldBe(0); // same name, other content: other entries
        (EmbeddedTexts() - embeddedFirst).ShouldBe(100 + second.GetProperty("queries").GetInt32());
    }

    [Fact]
    public async Task Eval_Bm25_NeitherEmbedsNorCreatesTheCacheFolder()
    {
        Report(await CliProcess.RunAsync(["eval", "--dataset", _dataset, "--json"], Environment()));

        EmbeddedTexts().ShouldBe(0);
        Directory.Exists(_cache).ShouldBeFalse();
    }

    [Fact]
    public async Task Eval_CacheFolderUnusable_WarnsAndEvaluatesWithoutIt()
    {
        var blocker = _folder.Combine("a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");

        var result = await CliProcess.RunAsync(["eval", "--dataset", _dataset, "--mode", "dense", "--json"], Environment(Path.Combine(blocker, "cache")));

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardError.ShouldContain($"eval: warning: the dataset embedding cache is off, so every embedding is computed and none is kept: '{Path.Combine(blocker, "cache")}' cannot be used");
        JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("ndcg@10").GetDouble().ShouldBeGreaterThan(0);
        EmbeddedTexts().ShouldBeGreaterThanOrEqualTo(100);
    }

    private static JsonElement Report(CliResult result)
    {
        result.ExitCode.ShouldBe(0, result.ToString());
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }

    /// <summary>The first <paramref name="documents"/> SciFact abstracts and the test queries judged only against them.</summary>
    private static void WriteDataset(string directory, int documents)
    {
        Directory.CreateDirectory(Path.Combine(directory, "qrels"));
        var corpus = File.ReadLines(Path.Combine(SharedPaths.SciFact, "corpus.jsonl")).Take(documents).ToList();
        var ids = corpus.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("_id").GetString()!).ToHashSet(StringComparer.Ordinal);
        var qrels = File.ReadLines(Path.Combine(SharedPaths.SciFact, "qrels", "test.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .GroupBy(parts => parts[0])
            .Where(query => query.All(parts => ids.Contains(parts[1])))
            .SelectMany(query => query)
            .ToList();
        var queryIds = qrels.Select(parts => parts[0]).ToHashSet(StringComparer.Ordinal);
        queryIds.Count.ShouldBeGreaterThan(0);
        File.WriteAllLines(Path.Combine(directory, "corpus.jsonl"), corpus);
        File.WriteAllLines(Path.Combine(directory, "queries.jsonl"), File.ReadLines(Path.Combine(SharedPaths.SciFact, "queries.jsonl"))
            .Where(line => queryIds.Contains(JsonDocument.Parse(line).RootElement.GetProperty("_id").GetString()!)));
        File.WriteAllLines(Path.Combine(directory, "qrels", "test.tsv"), ["query-id\tcorpus-id\tscore", .. qrels.Select(parts => string.Join('\t', parts))]);
    }
}
