using AgentRag.Models.Calls;
using AgentRag.Models.Prompts;
using AgentRag.TestKit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Tests;

public sealed class PromptTests
{
    [Fact]
    public async Task Catalog_RepositoryPrompts_LoadsSynthesisV1WithItsFrontMatter()
    {
        await using var harness = await ModelHarness.StartAsync();

        var prompt = harness.Services.GetRequiredService<PromptCatalog>().Get("synthesis", "v1");

        prompt.Profile.ShouldBe("primary");
        prompt.Temperature.ShouldBe(0.1f);
        prompt.MaxTokens.ShouldBe(800);
        prompt.Date.ShouldBe(new DateOnly(2025, 3, 14));
        prompt.Placeholders.ShouldBe(["context", "question"]);
        prompt.Changes.ShouldStartWith("First version.");
        var messages = prompt.ToMessages(new Dictionary<string, string> { ["context"] = "[1] /var/tmp keeps files across reboots.", ["question"] = "Is /var/tmp cleared at boot?" });
        messages.Select(m => m.Role).ShouldBe([ChatRole.System, ChatRole.User]);
        messages[0].Text.ShouldContain("cite");
        messages[1].Text.ShouldContain("[1] /var/tmp keeps files across reboots.");
        messages[1].Text.ShouldEndWith("Question: Is /var/tmp cleared at boot?");
    }

    [Fact]
    public async Task CreateOptions_PromptCall_RecordsPromptIdAndVersionInUsage()
    {
        await using var harness = await ModelHarness.StartAsync();
        var prompt = harness.Services.GetRequiredService<PromptCatalog>().Select("synthesis", "wf_prompt");

        var options = prompt.CreateOptions(new ModelCallContext { WorkflowId = "wf_prompt", Agent = "synthesis" });
        await harness.Chat.GetResponseAsync(prompt.ToMessages(new Dictionary<string, string> { ["context"] = "[1] x", ["question"] = "q" }), options);

        var row = (await harness.UsageRowsAsync()).Single();
        (row.PromptId, row.PromptVersion).ShouldBe(("synthesis", "v1"));
        var sent = harness.Server.Requests.Single().Json!;
        sent["temperature"]!.GetValue<float>().ShouldBe(0.1f);
        sent["max_completion_tokens"]!.GetValue<int>().ShouldBe(800);
    }

    [Fact]
    public void Select_WeightedVersions_IsStablePerWorkflowAndFollowsTheWeights()
    {
        using var folder = new TempDirectory();
        WritePrompt(folder, "planner", "v1", weight: 25);
        WritePrompt(folder, "planner", "v2", weight: 75);
        WritePrompt(folder, "planner", "v10", weight: 0);
        var catalog = new PromptCatalog(Options.Create(new PromptOptions { Directory = folder.Path }));
        var again = new PromptCatalog(Options.Create(new PromptOptions { Directory = folder.Path }));

        var assignments = Enumerable.Range(0, 4000).Select(i => catalog.Select("planner", $"wf_{i}").Version).ToList();

        catalog.Versions("planner").Select(p => p.Version).ShouldBe(["v1", "v2", "v10"]);
        Enumerable.Range(0, 4000).Select(i => again.Select("planner", $"wf_{i}").Version).ShouldBe(assignments);
        assignments.ShouldNotContain("v10");
        var v1Share = assignments.Count(v => v == "v1") / 4000.0;
        v1Share.ShouldBeInRange(0.22, 0.28);
    }

    [Fact]
    public void Select_WeightOverrideInConfiguration_ReplacesFileWeights()
    {
        using var folder = new TempDirectory();
        WritePrompt(folder, "planner", "v1", weight: 100);
        WritePrompt(folder, "planner", "v2", weight: 0);
        var options = new PromptOptions { Directory = folder.Path };
        options.Weights["planner"] = new Dictionary<string, int> { ["v1"] = 0, ["v2"] = 1 };

        var catalog = new PromptCatalog(Options.Create(options));

        Enumerable.Range(0, 50).Select(i => catalog.Select("planner", $"wf_{i}").Version).Distinct().ShouldBe(["v2"]);
    }

    [Fact]
    public void Load_InvalidPrompts_NamesEachFileAndProblem()
    {
        using var folder = new TempDirectory();
        WritePrompt(folder, "synthesis", "v1", weight: 1, body: "Answer {{question}} only.", placeholders: "[context, question]");
        WritePrompt(folder, "planner", "v1", weight: 1, id: "planer", body: "Plan {{question}} with {{tools}}.");
        File.WriteAllText(Path.Combine(folder.Path, "synthesis", "v2.md"), "no front matter");

        var error = Should.Throw<PromptException>(() => new PromptCatalog(Options.Create(new PromptOptions { Directory = folder.Path })));

        error.Message.ShouldContain(Path.Combine(folder.Path, "synthesis", "v1.md") + ": placeholder {{context}} is declared but missing from the body");
        error.Message.ShouldContain(Path.Combine(folder.Path, "planner", "v1.md") + ": 'id' is 'planer' but the file is in the folder 'planner'");
        error.Message.ShouldContain("placeholder {{tools}} is used in the body but not declared");
        error.Message.ShouldContain(Path.Combine(folder.Path, "synthesis", "v2.md") + ": must start with YAML front matter");
    }

    [Fact]
    public async Task StartupValidation_BadPromptFolder_FailsNamingTheSetting()
    {
        var error = await Should.ThrowAsync<OptionsValidationException>(() =>
            ModelHarness.StartAsync(settings => settings["AgentRag:Prompts:Directory"] = "/nonexistent/prompts"));

        error.Message.ShouldContain("AgentRag:Prompts:Directory '/nonexistent/prompts' does not exist");
    }

    [Fact]
    public void Render_MissingValue_NamesThePlaceholder()
    {
        using var folder = new TempDirectory();
        WritePrompt(folder, "synthesis", "v1", weight: 1);
        var prompt = new PromptCatalog(Options.Create(new PromptOptions { Directory = folder.Path })).Get("synthesis", "v1");

        Should.Throw<ArgumentException>(() => prompt.Render(new Dictionary<string, string> { ["question"] = "q" }))
            .Message.ShouldContain("Prompt synthesis@v1 needs values for {{context}}");
    }

    private static void WritePrompt(TempDirectory folder, string agent, string version, int weight, string? id = null, string? body = null, string placeholders = "[context, question]")
    {
        Directory.CreateDirectory(folder.Combine(agent));
        File.WriteAllText(folder.Combine(agent, version + ".md"), $"""
            ---
            id: {id ?? agent}
            version: {version}
            profile: primary
            temperature: 0.2
            max_tokens: 300
            date: 2025-03-01
            weight: {weight}
            placeholders: {placeholders}
            changes: Test prompt.
            ---
            {body ?? "Use {{context}} to answer {{question}}."}
            """);
    }
}
