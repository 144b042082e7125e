namespace AgentRag.Agents.Retrieval;

/// <summary>What a retrieval step found: the query it ran and the passages, best first.</summary>
/// <param name="Query">The query as searched.</param>
/// <param name="Entity">For a comparison, the entity this lookup is about.</param>
/// <param name="Passages">The passages, best first.</param>
/// <param name="FollowUpQuery">For a follow-up retrieval, the second-hop query it derived.</param>
public sealed record RetrievalResult(string Query, string? Entity, IReadOnlyList<RetrievedPassage> Passages, string? FollowUpQuery = null);
