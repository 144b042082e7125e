namespace AgentRag.Agents;

/// <summary>The names of the built-in agents, as plans refer to them.</summary>
public static class AgentNames
{
    public const string Retrieval = "retrieval";
    public const string FollowUpRetrieval = "follow_up_retrieval";
    public const string Synthesis = "synthesis";
    public const string Citation = "citation";
    public const string Reasoning = "reasoning";
}
