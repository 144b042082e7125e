using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// A tenant's daily spending budget used up by real model calls (a scripted loopback model that reports large usage, at
/// $1 per million tokens against a $0.01 day), then queries over HTTP: one that must use a model is refused with 402
/// before any work; one in auto mode still gets an extractive answer that says the budget was reached.
/// </summary>
public sealed class BudgetApiTests : IAsyncLifetime
{
    private const string Question = "How do I assign a value to a variable in R?";

    private OpenAiTestServer _model = null!;
    private ConversationServerFactory _server = null!;

    public async Task InitializeAsync()
    {
        _model = await OpenAiTestServer.StartAsync();
        _server = await ConversationServerFactory.StartWithModelAsync(_model, new Dictionary<string, string?>
        {
            ["AgentRag:Models:Profiles:primary:InputPricePer1M"] = "1",
            ["AgentRag:Models:Profiles:primary:OutputPricePer1M"] = "1",
            ["AgentRag:Models:Budgets:MaxUsdPerTenantPerDay"] = "0.01",
        });
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_server).DisposeAsync();
        await _model.DisposeAsync();
    }

    private static JsonContent Body(string mode) => JsonContent.Create(new { query = Question, mode });

    [Fact]
    public async Task Post_ModelModeWithTheDailyBudgetUsedUp_402NamingTheBudgetAndReset_AutoModeAnswersExtractively()
    {
        // The planner's call fits the budget when admitted, but the model reports 20,000 tokens ($0.02): the day is used up.
        _model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}""", new ScriptedUsage(PromptTokens: 15_000, CompletionTokens: 5_000)));
        var client = _server.CreateClient();
        var first = await client.PostAsync("/v1/queries", Body("model"));
        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        var calls = _model.Count("chat");

        var refused = await client.PostAsync("/v1/queries", Body("model"));

        var text = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.ShouldBe(HttpStatusCode.PaymentRequired, text);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("budget").GetString().ShouldBe("tenant-daily-usd");
        problem.GetProperty("setting").GetString().ShouldBe("AgentRag:Models:Budgets:MaxUsdPerTenantPerDay");
        problem.GetProperty("detail").GetString()!.ShouldStartWith("Budget 'tenant-daily-usd' is used up for tenant 'default' on ");
        problem.GetProperty("resetsAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow);
        _model.Count("chat").ShouldBe(calls); // refused before any model call

        var auto = await client.PostAsync("/v1/queries", Body("auto"));
        var answer = JsonDocument.Parse(await auto.Content.ReadAsStringAsync()).RootElement;
        auto.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.GetProperty("mode").GetString().ShouldBe("extractive");
        answer.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).ShouldContain(w => w!.Contains("Budget", StringComparison.Ordinal));
        _model.Count("chat").ShouldBe(calls);
    }
}
