using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Workflows;

/// <summary>
/// Independent plan steps run at the same time: the product's composition root over nodejs-process.md, with a loopback
/// OpenAI server as the embedding model, so every retrieval step embeds its query there (hybrid search).
/// </summary>
public sealed class ParallelStepsTests : IAsyncLifetime
{
    private const string EmbeddingModel = "embed-test";

    private readonly TempDirectory _data = new("agentrag-parallel-steps");
    private OpenAiTestServer _model = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _model = await OpenAiTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _model.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>Ingests the file (its chunks embedded by the loopback server) and starts the actor host.</summary>
    private async Task<WorkflowService> StartAsync(string file)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _model.BaseUrl.ToString(),
            ["AGENTRAG_EMBEDDING_MODEL"] = EmbeddingModel,
            ["AgentRag:Models:Resilience:MaxRetries"] = "0",
            // Longer than any hold at the server, so a held request ends with the server's answer, not the step's timeout.
            ["AgentRag:Agents:RetrievalTimeoutMs"] = "30000",
        };
        _services = await ProductServices.StartAsync(_data.Path, settings, [file]);
        return _services.GetRequiredService<WorkflowService>();
    }

    [Fact]
    public async Task Run_ComparisonQuery_BothRetrievalStepsEmbedTheirQueriesAtTheSameTime()
    {
        var workflows = await StartAsync("nodejs-process.md");
        var ingestionEmbeddings = _model.Count("embeddings");
        ingestionEmbeddings.ShouldBeGreaterThan(0);
        // The next two embedding requests (the steps' queries) are each held until both are waiting at the server. Had the
        // steps run one after the other, the first would wait alone until the barrier gives up (a 504 after 10 s).
        var together = new RequestBarrier(participants: 2, timeout: TimeSpan.FromSeconds(10));
        _model.Embeddings.Enqueue(2, () => ScriptedResponse.HeldUntil(together, ScriptedResponse.Reply()));

        var final = await workflows.RunAsync(Tenancy.DefaultTenant,
            new QueryRequest("What is the difference between the beforeExit and exit events in Node.js?"));

        together.IsOpen.ShouldBeTrue("the two query embeddings were never in flight together: the retrieval steps ran one after the other");
        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        var retrievals = final.Plan!.Steps.Where(s => s.Agent == AgentNames.Retrieval).ToList();
        retrievals.Count.ShouldBe(2);
        retrievals.ShouldAllBe(s => s.DependsOn.Count == 0);
        final.Steps.Where(s => s.Agent == AgentNames.Retrieval).ShouldAllBe(s => s.Status == StepStatus.Completed && s.Attempts == 1);
        var held = _model.Requests.Where(r => r.Route == "embeddings").Skip(ingestionEmbeddings).Take(2);
        held.Select(r => r.Json!["input"]!.AsArray().Single()!.GetValue<string>())
            .ShouldBe(retrievals.Select(s => s.Inputs["query"].GetString()), ignoreOrder: true);
    }
}
