using System.Text.Json;
using AgentRag.Models.Configuration;
using AgentRag.Retrieval.Dense;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Tests.EndToEnd;
using AgentRag.Retrieval.Vectors;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Tests.Evaluation;

/// <summary>
/// Dense and hybrid BEIR evaluation through the product's embedding path, with the loopback OpenAI-protocol server as
/// the embedding model (its vectors hash the text, so a query equal to a document's title and text finds exactly it).
/// </summary>
public sealed class BeirDenseEvaluationTests : IAsyncLifetime
{
    private static readonly (string Id, string Title, string Text)[] Corpus =
    [
        ("d1", "Tables", "The read.table function reads a file in table format."),
        ("d2", "Plots", "Use the plot command to draw a scatter plot."),
        ("d3", "Packages", "Install add-on packages from CRAN with install.packages."),
    ];

    private readonly TempDirectory _folder = new("agentrag-beir-dense");
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await OpenAiTestServer.StartAsync();
        _server.EmbeddingDimensions = 16;
        Directory.CreateDirectory(_folder.Combine("toy", "qrels"));
        await File.WriteAllLinesAsync(_folder.Combine("toy", "corpus.jsonl"),
            Corpus.Select(d => JsonSerializer.Serialize(new Dictionary<string, string> { ["_id"] = d.Id, ["title"] = d.Title, ["text"] = d.Text })));
        // Each query is its document's flat text (title, a space, text): the dense run ranks that document first.
        await File.WriteAllLinesAsync(_folder.Combine("toy", "queries.jsonl"),
            Corpus.Select(d => JsonSerializer.Serialize(new Dictionary<string, string> { ["_id"] = "q" + d.Id, ["text"] = $"{d.Title} {d.Text}" })));
        await File.WriteAllLinesAsync(_folder.Combine("toy", "qrels", "test.tsv"), ["query-id\tcorpus-id\tscore", .. Corpus.Select(d => $"q{d.Id}\t{d.Id}\t1")]);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private static BeirDenseModels Models(ProductHarness product) => new(
        product.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
        product.Services.GetRequiredService<ModelCatalog>(),
        product.Services.GetRequiredService<IOptions<DenseRetrievalOptions>>().Value,
        product.Services.GetRequiredService<IOptions<VectorIndexOptions>>().Value);

    [Theory]
    [InlineData("dense")]
    [InlineData("hybrid")]
    public async Task Evaluate_WithAnEmbeddingModel_EmbedsCorpusAndQueriesAndRanksTheJudgedDocumentFirst(string mode)
    {
        await using var product = ProductHarness.Start(_folder.Combine("data-" + mode), new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _server.BaseUrl.ToString(),
            ["AGENTRAG_EMBEDDING_MODEL"] = "embed-test",
        });

        var report = await new BeirEvaluator(denseModels: Models(product)).EvaluateAsync(new BeirEvaluationRequest { DatasetDirectory = _folder.Combine("toy"), Mode = mode });

        report.Mode.ShouldBe(mode);
        (report.Queries, report.Documents).ShouldBe((3, 3));
        report.PerQuery.ShouldAllBe(q => q.Top10[0].Id == q.QueryId.Substring(1));
        report.Ndcg10.ShouldBe(1.0);
        // Dense: the cosine of identical texts. Hybrid: first in both the BM25 and the dense ranking, fused by min-max
        // (the default), each ranking's best scaled to 1.
        var expectedTopScore = mode == "dense" ? 1.0 : 2.0;
        report.PerQuery.ShouldAllBe(q => Math.Abs(q.Top10[0].Score - expectedTopScore) < 1e-4);
        // The corpus in one batch; each query repeats a document's text, so its embedding comes from the model layer's cache.
        _server.Count("embeddings").ShouldBe(1);
    }

    [Fact]
    public async Task Evaluate_DenseWithoutAnEmbeddingModel_RefusedNamingTheSetting()
    {
        await using var product = ProductHarness.Start(_folder.Combine("data-none"), new Dictionary<string, string?>());

        var error = await Should.ThrowAsync<NotSupportedException>(() =>
            new BeirEvaluator(denseModels: Models(product)).EvaluateAsync(new BeirEvaluationRequest { DatasetDirectory = _folder.Combine("toy"), Mode = "hybrid" }));

        error.Message.ShouldContain("needs an embedding model: set AGENTRAG_EMBEDDING_MODEL");
        _server.Count("embeddings").ShouldBe(0);
    }
}
