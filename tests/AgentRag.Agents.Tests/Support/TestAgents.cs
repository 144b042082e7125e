using AgentRag.Agents.Citations;
using AgentRag.Agents.Reasoning;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Synthesis;
using AgentRag.Models.Prompts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRag.Agents.Tests.Support;

/// <summary>The built-in agents over a given retriever, for planner and validator tests.</summary>
public static class TestAgents
{
    public static AgentCatalog Catalog(IPassageRetriever? retriever = null)
    {
        retriever ??= new ScriptedRetriever([]);
        var options = new AgentsOptions();
        return new AgentCatalog(
        [
            new RetrievalAgent(retriever),
            new FollowUpRetrievalAgent(retriever),
            new SynthesisAgent(Prompts(), options, NullLogger<SynthesisAgent>.Instance),
            new CitationAgent(options),
            new ReasoningAgent(options, TimeProvider.System),
        ]);
    }

    /// <summary>The repository's prompts as the product loads them (copied beside the test assembly).</summary>
    public static PromptCatalog Prompts() => new(Options.Create(new PromptOptions()));
}
