using System.Text.Json;
using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Events;
using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Workflows;

/// <summary>
/// Model-mode answers end to end: the product's composition root over R-intro.pdf, with the model layer pointed at a
/// scripted loopback OpenAI server (no retries, so each scripted failure is one request).
/// </summary>
public sealed class ModelAnswerTests : IAsyncLifetime
{
    private const string Question = "How do I assign a value to a variable in R?";
    private const string CitedAnswer = "Use the assignment operator <-, as in x <- c(10.4, 5.6, 3.1, 6.4, 21.7), which assigns a vector to x [1].";

    private readonly TempDirectory _data = new("agentrag-model-answers");
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

    private async Task<WorkflowService> StartAsync(bool withFallbackProfile = false, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _model.BaseUrl.ToString(),
            ["AGENTRAG_CHAT_MODEL"] = "primary-model",
            ["AgentRag:Models:Resilience:MaxRetries"] = "0",
        };
        if (withFallbackProfile)
        {
            settings["AGENTRAG_FALLBACK_MODEL"] = "fallback-model";
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        _services = await ProductServices.StartAsync(_data.Path, settings, ["R-intro.pdf"]);
        return _services.GetRequiredService<WorkflowService>();
    }

    private static string Data(StoredEvent stored, string property) => JsonDocument.Parse(stored.Data).RootElement.GetProperty(property).ToString();

    /// <summary>The kind of a <c>step.progress</c> warning, or null when the event carries none.</summary>
    private static string? WarningKind(StoredEvent stored) =>
        JsonDocument.Parse(stored.Data).RootElement.TryGetProperty("warning", out var warning) && warning.ValueKind == JsonValueKind.Object
            ? warning.GetProperty("kind").GetString()
            : null;

    [Fact]
    public async Task Run_ModelConfigured_StreamsTokensAndEveryMarkerResolvesToAQuotedCitation()
    {
        _model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}""")); // the planner's call: an invalid plan, so the rules plan
        _model.Chat.Enqueue(ScriptedResponse.Reply(CitedAnswer)); // synthesis
        var workflows = await StartAsync();
        var events = new List<StoredEvent>();

        var final = await workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest(Question, Mode: QueryMode.Model), events.Add);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.Answer!.Mode.ShouldBe(AnswerMode.Model);
        final.Answer.Declined.ShouldBeFalse();
        var tokens = events.Where(e => e.Type == WorkflowEvents.Token).Select(e => Data(e, "text")).ToList();
        tokens.Count.ShouldBeGreaterThan(1); // streamed in pieces
        string.Concat(tokens).Trim().ShouldBe(CitedAnswer);
        var markers = System.Text.RegularExpressions.Regex.Matches(final.Answer.Answer, @"\[(\d+)\]").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        markers.ShouldNotBeEmpty();
        foreach (var number in markers)
        {
            var citation = final.Answer.Citations.Single(c => c.Number == number);
            citation.Quote.ShouldNotBeNullOrWhiteSpace();
            citation.DocumentName.ShouldBe("R-intro.pdf");
        }

        final.Answer.Citations.ShouldContain(c => c.Page == 14 && c.Quote.Contains("<-", StringComparison.Ordinal));
        final.Answer.Confidence.ShouldBeInRange(1, 100);
        final.Routing!.Profile.ShouldBe("primary");

        // One usage row per model call, attributed to the workflow, with the tokens the server reported.
        var usage = _services!.GetRequiredService<IUsageStore>();
        var rows = await usage.ListAsync(new UsageListQuery(Tenancy.DefaultTenant));
        rows.Count.ShouldBe(_model.Count("chat"));
        rows.ShouldAllBe(r => r.WorkflowId == final.WorkflowId && r.Outcome == UsageOutcome.Succeeded && !r.Estimated);
        rows.Select(r => r.Agent).Order().ShouldBe(["planner", "synthesis"]);
        rows.Single(r => r.Agent == "synthesis").PromptVersion.ShouldBe("v1");
        rows.Sum(r => r.InputTokens).ShouldBe(_model.ServedPromptTokens);
        rows.Sum(r => r.OutputTokens).ShouldBe(_model.ServedCompletionTokens);
    }

    [Fact]
    public async Task Feedback_ModelAnswer_IsAttributedToThePromptVersionsAndModelItsCallsUsed()
    {
        _model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}""")); // planner
        _model.Chat.Enqueue(ScriptedResponse.Reply(CitedAnswer)); // synthesis
        var workflows = await StartAsync();
        var final = await workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest(Question, Mode: QueryMode.Model));
        var feedback = _services!.GetRequiredService<AnswerFeedbackService>();

        var (assigned, models) = await feedback.AttributeAsync(Tenancy.DefaultTenant, final.WorkflowId);
        var (stored, replaced) = await feedback.SubmitAsync(final, "reviewer", "down", "Cites the wrong page.");
        var quality = await _services!.GetRequiredService<Core.Feedback.IAnswerQualityStore>().QueryPromptQualityAsync(Tenancy.DefaultTenant);

        final.Answer!.CitationSupportRate.ShouldNotBeNull();
        models.ShouldBe(["primary-model"]);
        assigned.Where(p => p.Used).Select(p => $"{p.PromptId}@{p.Version}").Order().ShouldBe(["planner@v2", "synthesis@v1"]);
        stored.Models.ShouldBe(["primary-model"]);
        stored.Prompts.ShouldContain(new Core.Feedback.PromptVersionRef("synthesis", "v1"));
        replaced.ShouldBeFalse();
        var synthesis = quality.Single(q => q.PromptId == "synthesis" && q.Version == "v1");
        synthesis.Workflows.ShouldBe(1);
        synthesis.CitationSupportRate.ShouldBe(final.Answer.CitationSupportRate);
        synthesis.FeedbackDown.ShouldBe(1);
        synthesis.FeedbackScore.ShouldBe(-1);
    }

    [Fact]
    public async Task Run_PrimaryModelDown_FallbackModelAnswersWithTheWarningInAnswerAndStream()
    {
        _model.Chat.Enqueue(ScriptedResponse.Error(503), model: "primary-model"); // planner
        _model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}"""), model: "fallback-model");
        _model.Chat.Enqueue(ScriptedResponse.Error(503), model: "primary-model"); // synthesis
        _model.Chat.Enqueue(ScriptedResponse.Reply(CitedAnswer), model: "fallback-model");
        var workflows = await StartAsync(withFallbackProfile: true);
        var events = new List<StoredEvent>();

        var final = await workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest(Question), events.Add);

        final.Answer!.Mode.ShouldBe(AnswerMode.Model);
        final.Answer.Answer.ShouldBe(CitedAnswer);
        final.Answer.Warnings.ShouldContain(ModelCallOptions.FallbackWarning);
        events.ShouldContain(e => e.Type == WorkflowEvents.StepProgress && Data(e, "stepId") == "synthesize"
            && WarningKind(e) == ModelEventTypes.Fallback);
    }

    [Fact]
    public async Task Run_EveryModelDown_ExtractiveAnswerWithTheWarning()
    {
        _model.Chat.Enqueue(4, () => ScriptedResponse.Error(503));
        var workflows = await StartAsync(withFallbackProfile: true);
        var events = new List<StoredEvent>();

        var final = await workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest(Question), events.Add);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.Answer!.Mode.ShouldBe(AnswerMode.Extractive);
        events.ShouldContain(e => e.Type == WorkflowEvents.StepProgress && WarningKind(e) == SynthesisAgent.ModelFailedWarningKind);
        final.Answer.Citations.ShouldContain(c => c.Page == 14);
        final.Answer.Warnings.ShouldContain(w => w.StartsWith("The chat model failed (Every model in the chain failed", StringComparison.Ordinal));
        final.Answer.Warnings.ShouldContain(w => w.StartsWith("The model planner failed", StringComparison.Ordinal));
        _model.Count("chat").ShouldBe(4); // planner and synthesis, each on primary then fallback; no step retried them
    }

    [Fact]
    public async Task Run_TokenBudgetExhaustedAtSynthesis_StopsWithAPartialAnswerAndTheBudgetWarning()
    {
        var workflows = await StartAsync(extra: new Dictionary<string, string?>
        {
            ["AgentRag:Agents:UseModelPlanner"] = "false",
            ["AgentRag:Models:Budgets:MaxTokensPerRequest"] = "100",
        });
        var events = new List<StoredEvent>();

        var final = await workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest(Question), events.Add);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        _model.Count("chat").ShouldBe(0); // refused before it was sent
        final.FindStep("retrieve")!.Status.ShouldBe(StepStatus.Completed);
        final.Answer!.Mode.ShouldBe(AnswerMode.Extractive); // the partial answer: what retrieval found, quoted
        final.Answer.Citations.ShouldNotBeEmpty();
        var budget = final.Answer.Warnings.Single(w => w.StartsWith("Budget reached: ", StringComparison.Ordinal));
        budget.ShouldContain("request-tokens");
        budget.ShouldContain("MaxTokensPerRequest");
        events.ShouldContain(e => e.Type == WorkflowEvents.StepProgress && Data(e, "stepId") == "synthesize"
            && WarningKind(e) == "budget");
    }
}
