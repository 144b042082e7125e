using AgentRag.Agents.Citations;
using AgentRag.Agents.Prompts;
using AgentRag.Agents.Reasoning;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Synthesis;
using Microsoft.Extensions.Logging.Abstractions;

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
            new SynthesisAgent(new EmbeddedAgentPromptSource(), NoModelCallScope.Instance, options, NullLogger<SynthesisAgent>.Instance),
            new CitationAgent(options),
            new ReasoningAgent(NoModelCallScope.Instance),
        ]);
    }
}
