using AgentRag.Models;
using AgentRag.Models.Configuration;
using AgentRag.Models.Resilience;
using AgentRag.Retrieval.Reranking;
using AgentRag.TestKit;
using AgentRag.TestKit.Rerank;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Tests.Reranking;

/// <summary><see cref="HttpReranker"/> against a loopback server speaking the rerank API.</summary>
public sealed class HttpRerankerTests : IAsyncLifetime
{
    private static readonly string[] Documents =
    [
        "Plotting functions draw graphs.",
        "read.table reads a table from a file into a data frame.",
        "A file can hold a table.",
    ];

    private readonly ManualTimeProvider _clock = new();
    private RerankTestServer _server = null!;

    public async Task InitializeAsync() => _server = await RerankTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpReranker NewReranker(string? apiKey = null, int maxRetries = 3)
    {
        var options = new ModelsOptions
        {
            Profiles = { [ModelProfileNames.Rerank] = new ModelProfileOptions { Endpoint = _server.BaseUrl.ToString(), Model = "rerank-test", ApiKey = apiKey } },
            Resilience = { MaxRetries = maxRetries },
        };
        var catalog = ModelCatalog.Create(options);
        return new HttpReranker(catalog.Get(ModelProfileNames.Rerank), new ModelResiliencePipelines(Options.Create(options), _clock), _clock);
    }

    [Fact]
    public async Task ScoreAsync_CommonShape_ReturnsServerScoresInInputOrder()
    {
        using var reranker = NewReranker();

        var scores = await reranker.ScoreAsync("read a table from a file", Documents);

        scores.Count.ShouldBe(3);
        for (var i = 0; i < Documents.Length; i++)
        {
            scores[i].ShouldBe(RerankTestServer.Relevance("read a table from a file", Documents[i]), 1e-12);
        }

        scores[1].ShouldBeGreaterThan(scores[2]);
        scores[2].ShouldBeGreaterThan(scores[0]);
    }

    [Fact]
    public async Task ScoreAsync_Request_PostsModelQueryDocumentsTopNWithBearerKey()
    {
        _server.RequiredApiKey = "sk-rerank";
        using var reranker = NewReranker(apiKey: "sk-rerank");

        await reranker.ScoreAsync("tables", Documents);

        var request = _server.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe("/v1/rerank");
        request.Authorization.ShouldBe("Bearer sk-rerank");
        var json = request.Json!;
        json["model"]!.GetValue<string>().ShouldBe("rerank-test");
        json["query"]!.GetValue<string>().ShouldBe("tables");
        json["documents"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(Documents);
        json["top_n"]!.GetValue<int>().ShouldBe(3);
    }

    [Fact]
    public async Task ScoreAsync_TeiBareArrayShape_IsReadToo()
    {
        _server.Enqueue(new RerankScript(RerankScriptKind.TeiShape));
        using var reranker = NewReranker();

        var scores = await reranker.ScoreAsync("data frame", Documents);

        scores.ShouldBe([0.0, 1.0, 0.0]);
    }

    [Fact]
    public async Task ScoreAsync_TransientFailures_AreRetriedThenSucceed()
    {
        _server.Enqueue(RerankScript.Error(503));
        _server.Enqueue(RerankScript.Error(429, retryAfter: "2"));
        using var reranker = NewReranker();

        var scores = await _clock.RunAsync(reranker.ScoreAsync("graphs", Documents), TimeSpan.FromSeconds(30));

        scores[0].ShouldBe(1.0);
        _server.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task ScoreAsync_WrongKey_ThrowsUnauthorizedNamingTheSettingWithoutRetrying()
    {
        _server.RequiredApiKey = "right";
        using var reranker = NewReranker(apiKey: "wrong");

        var error = await Should.ThrowAsync<ModelCallException>(() => reranker.ScoreAsync("tables", Documents));

        error.Kind.ShouldBe(ModelFailureKind.Unauthorized);
        error.StatusCode.ShouldBe(401);
        error.Message.ShouldContain("AgentRag:Models:Profiles:rerank:ApiKey");
        _server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ScoreAsync_MalformedBody_ThrowsMalformedResponse()
    {
        _server.Enqueue(new RerankScript(RerankScriptKind.Malformed));
        using var reranker = NewReranker();

        var error = await Should.ThrowAsync<ModelCallException>(() => reranker.ScoreAsync("tables", Documents));

        error.Kind.ShouldBe(ModelFailureKind.MalformedResponse);
    }

    [Fact]
    public async Task ScoreAsync_ADocumentWithoutScore_ThrowsNamingIt()
    {
        _server.Enqueue(new RerankScript(RerankScriptKind.MissingResult));
        using var reranker = NewReranker();

        var error = await Should.ThrowAsync<ModelCallException>(() => reranker.ScoreAsync("tables", Documents));

        error.Kind.ShouldBe(ModelFailureKind.MalformedResponse);
        error.Message.ShouldContain("document 2 of 3 has no score");
    }

    [Fact]
    public async Task ScoreAsync_NoDocuments_MakesNoRequest()
    {
        using var reranker = NewReranker();

        (await reranker.ScoreAsync("tables", [])).ShouldBeEmpty();
        _server.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{\"results\":[{\"index\":0,\"relevance_score\":0.5},{\"index\":0,\"relevance_score\":0.4}]}", "out of range or repeated")]
    [InlineData("{\"results\":[{\"index\":3,\"relevance_score\":0.5}]}", "out of range or repeated")]
    [InlineData("{\"results\":[{\"index\":0}]}", "no 'relevance_score'")]
    [InlineData("{\"unexpected\":true}", "expected a 'results' array")]
    public void Parse_InvalidAnswers_ThrowFormatExceptionSayingWhy(string json, string reason)
    {
        Should.Throw<FormatException>(() => HttpReranker.Parse(json, 2)).Message.ShouldContain(reason);
    }
}
