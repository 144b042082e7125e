using AgentRag.Core.Documents;
using AgentRag.Core.Usage;
using AgentRag.Retrieval.MultiHop;
using AgentRag.Retrieval.Reranking;
using AgentRag.Retrieval.Search;
using AgentRag.Storage.Sqlite;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using AgentRag.TestKit.Rerank;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Retrieval.Tests.EndToEnd;

/// <summary>
/// Reranking, LLM query expansion and the multi-hop helper through the product's composition root, against loopback
/// servers (a rerank API server, and a scripted OpenAI-protocol chat server).
/// </summary>
public sealed class ModelBackedSearchTests : IAsyncLifetime
{
    private const string Tenant = "models-t";

    private static readonly (string Name, string Text)[] Files =
    [
        ("tables.txt", "The read.table function reads a file in table format and creates a data frame from it."),
        ("plots.txt", "Use the plot command to draw a scatter plot of two numeric vectors from a data frame."),
        ("packages.txt", "Install add-on packages from CRAN with install.packages and load them with library; packages extend R."),
    ];

    private readonly TempDirectory _data = new("agentrag-models-search");
    private OpenAiTestServer _openAi = null!;
    private RerankTestServer _rerank = null!;

    public async Task InitializeAsync()
    {
        _openAi = await OpenAiTestServer.StartAsync();
        _rerank = await RerankTestServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _openAi.DisposeAsync();
        await _rerank.DisposeAsync();
        _data.Dispose();
    }

    private async Task<ProductHarness> StartAsync(Dictionary<string, string?> settings)
    {
        var product = ProductHarness.Start(_data.Path, settings);
        foreach (var (name, text) in Files)
        {
            var (document, _) = await product.IngestTextAsync(Tenant, name, text);
            document.Status.ShouldBe(DocumentStatus.Ready, document.Error);
        }

        return product;
    }

    private Dictionary<string, string?> ChatSettings() => new()
    {
        ["OPENAI_BASE_URL"] = _openAi.BaseUrl.ToString(),
        ["AGENTRAG_CHAT_MODEL"] = "gpt-test",
        ["AgentRag:Search:LlmRerankConcurrency"] = "1", // one passage at a time, so scripted grades meet passages in order
    };

    [Fact]
    public async Task Search_RerankWithRerankProfile_UsesHttpRerankerScoresAndRecordsUsage()
    {
        await using var product = await StartAsync(new Dictionary<string, string?>
        {
            ["AgentRag:Models:Profiles:rerank:Endpoint"] = _rerank.BaseUrl.ToString(),
            ["AgentRag:Models:Profiles:rerank:Model"] = "rerank-test",
        });
        const string query = "draw a data frame from a file";

        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = query, K = 2, Rerank = true, Mode = SearchMode.Bm25 });

        product.Search.HasReranker.ShouldBeTrue();
        response.Modes.ShouldBe(["bm25", "rerank"]);
        response.Hits.Count.ShouldBe(2);
        response.Hits.ShouldAllBe(h => h.Components.Rerank == RerankTestServer.Relevance(query, h.Text) && h.Score == h.Components.Rerank);
        response.Hits.Select(h => h.Score).ShouldBeInOrder(SortDirection.Descending);
        // Every BM25 candidate (up to the rerank depth of 50) was sent, not just k.
        _rerank.Requests.ShouldHaveSingleItem().Json!["documents"]!.AsArray().Count.ShouldBe(3);
        await product.Services.GetRequiredService<SqliteDatabase>().FlushAsync();
        var usage = await product.Services.GetRequiredService<IUsageStore>().ListAsync(new UsageListQuery(null, Limit: 10));
        var row = usage.ShouldHaveSingleItem();
        row.Operation.ShouldBe(HttpReranker.UsageOperation);
        row.Profile.ShouldBe("rerank");
        row.Model.ShouldBe("rerank-test");
        row.InputTokens.ShouldBeGreaterThan(0);
        row.Outcome.ShouldBe(UsageOutcome.Succeeded);
    }

    [Fact]
    public async Task Search_RerankWithOnlyAChatModel_UsesLlmPointwiseGrades()
    {
        await using var product = await StartAsync(ChatSettings());
        var plain = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "data frame", K = 5, Mode = SearchMode.Bm25 });
        plain.Hits.Count.ShouldBe(2);
        // Grades in retrieval order: the second passage is graded higher, so it moves up.
        _openAi.Chat.Enqueue(ScriptedResponse.Reply("1"));
        _openAi.Chat.Enqueue(ScriptedResponse.Reply("Relevance: 3"));

        var reranked = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "data frame", K = 5, Mode = SearchMode.Bm25, Rerank = true });

        reranked.Modes.ShouldBe(["bm25", "rerank"]);
        reranked.Hits.Select(h => h.ChunkId).ShouldBe([plain.Hits[1].ChunkId, plain.Hits[0].ChunkId]);
        reranked.Hits.Select(h => h.Components.Rerank).ShouldBe([3.0, 1.0]);
        var prompts = _openAi.Requests.Where(r => r.Route == "chat").Select(r => r.Body).ToList();
        prompts.Count.ShouldBe(2);
        prompts.ShouldAllBe(body => body.Contains("Query: data frame"));
    }

    [Fact]
    public async Task Search_ExpandLlm_SearchesTheRewritesAndFusesThem()
    {
        await using var product = await StartAsync(ChatSettings());
        // No passage has these words; the rewrites name what the documents say.
        _openAi.Chat.Enqueue(ScriptedResponse.Reply("1. install.packages CRAN\n2. \"scatter plot\"\ninstall.packages CRAN\n"));

        var expanded = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "adding extensions and charts", K = 5, Mode = SearchMode.Bm25, Expand = "llm" });

        expanded.Rewrites.ShouldBe(["install.packages CRAN", "scatter plot"]);
        expanded.Warnings.ShouldBeEmpty();
        expanded.Hits.Select(h => h.DocumentName).ShouldBe(["packages.txt", "plots.txt"], ignoreOrder: true);
        expanded.Hits.ShouldAllBe(h => h.Components.Fused > 0);
        var chat = _openAi.Requests.Single(r => r.Route == "chat");
        chat.Body.ShouldContain("adding extensions and charts");
    }

    [Fact]
    public async Task Search_ExpandLlmWithoutChatModel_SearchesTheQueryAndWarns()
    {
        await using var product = await StartAsync(new Dictionary<string, string?>());

        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "scatter plot", K = 5, Mode = SearchMode.Bm25, Expand = "llm" });

        response.Rewrites.ShouldBeEmpty();
        response.Warnings.ShouldContain("No chat model is configured: LLM query expansion was skipped.");
        response.Hits.ShouldHaveSingleItem().DocumentName.ShouldBe("plots.txt");
    }

    [Fact]
    public async Task Search_UnknownExpansion_ThrowsNamingTheChoices()
    {
        await using var product = await StartAsync(new Dictionary<string, string?>());

        var error = await Should.ThrowAsync<ArgumentException>(() =>
            product.Search.SearchAsync(Tenant, new SearchRequest { Query = "plot", Expand = "magic" }));

        error.Message.ShouldContain("Unknown expansion 'magic'; use 'rm3' or 'llm'.");
    }

    [Fact]
    public async Task RetrieveThenFollowUp_MissingTerms_FindsTheSecondHopAndFusesBoth()
    {
        await using var product = await StartAsync(new Dictionary<string, string?>());
        var followUps = product.Services.GetRequiredService<FollowUpRetriever>();
        var firstRequest = new SearchRequest { Query = "read.table doc:tables.txt", K = 3, Mode = SearchMode.Bm25 };
        var first = await product.Search.SearchAsync(Tenant, firstRequest);
        first.Hits.ShouldHaveSingleItem().DocumentName.ShouldBe("tables.txt");

        // The doc: filter of the first query still applies, so the follow-up must drop it to reach packages.txt...
        var filtered = await followUps.RetrieveThenFollowUpAsync(Tenant, firstRequest, first, ["install.packages", "CRAN"]);
        filtered.FollowUp.Hits.ShouldBeEmpty();

        // ...and without it finds the second hop.
        var unfilteredRequest = firstRequest with { Query = "read.table" };
        var unfirst = await product.Search.SearchAsync(Tenant, unfilteredRequest);
        var result = await followUps.RetrieveThenFollowUpAsync(Tenant, unfilteredRequest, unfirst, ["install.packages", " CRAN ", "cran", ""]);

        result.FollowUpQuery.ShouldBe("install.packages CRAN");
        result.FollowUp.Hits[0].DocumentName.ShouldBe("packages.txt");
        result.NewHits.Select(h => h.DocumentName).ShouldBe(["packages.txt"]);
        result.Fused.Select(h => h.DocumentName).ShouldBe(["packages.txt", "tables.txt"], ignoreOrder: true);
        result.Fused.ShouldAllBe(h => h.Score == h.Components.Fused);
        result.First.ShouldBeSameAs(unfirst);
    }

    [Fact]
    public async Task RetrieveThenFollowUp_NoTerms_ThrowsArgumentException()
    {
        await using var product = await StartAsync(new Dictionary<string, string?>());
        var request = new SearchRequest { Query = "plot", Mode = SearchMode.Bm25 };
        var first = await product.Search.SearchAsync(Tenant, request);

        await Should.ThrowAsync<ArgumentException>(() =>
            product.Services.GetRequiredService<FollowUpRetriever>().RetrieveThenFollowUpAsync(Tenant, request, first, ["  ", ""]));
    }
}
