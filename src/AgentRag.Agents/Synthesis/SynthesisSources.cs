using AgentRag.Agents.Retrieval;

namespace AgentRag.Agents.Synthesis;

/// <summary>Builds the numbered context of a synthesis step from its retrieval dependencies.</summary>
public static class SynthesisSources
{
    /// <summary>
    /// The distinct passages of the retrieval dependencies, at most <paramref name="limit"/>. With several retrievals
    /// (a comparison, or a first and a second hop) the lists are interleaved rank by rank, so every entity's best
    /// passages make it into the context; the first occurrence of a chunk wins.
    /// </summary>
    public static IReadOnlyList<RetrievedPassage> Collect(IReadOnlyList<StepDependency> dependencies, int limit)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var lists = dependencies
            .Where(d => d.Agent is AgentNames.Retrieval or AgentNames.FollowUpRetrieval)
            .Select(d => d.Output.Read<RetrievalResult>().Passages)
            .ToList();

        // A follow-up retrieval already fused the first hop: use it alone when present.
        var followUp = dependencies.LastOrDefault(d => d.Agent == AgentNames.FollowUpRetrieval);
        if (followUp is not null)
        {
            lists = [followUp.Output.Read<RetrievalResult>().Passages];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sources = new List<RetrievedPassage>();
        for (var rank = 0; sources.Count < limit && lists.Any(l => rank < l.Count); rank++)
        {
            foreach (var list in lists)
            {
                if (rank < list.Count && sources.Count < limit && seen.Add(list[rank].ChunkId))
                {
                    sources.Add(list[rank]);
                }
            }
        }

        return sources;
    }
}
