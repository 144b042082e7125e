using AgentRag.Agents.Plans;
using AgentRag.Agents.Text;
using AgentRag.Retrieval.Analysis;
using AgentRag.Retrieval.Fusion;

namespace AgentRag.Agents.Retrieval;

/// <summary>
/// The <c>follow_up_retrieval</c> agent (multi-hop): from the passages its dependency retrieved, it takes the terms
/// that are distinctive of the best ones but absent from the question (what the first hop revealed, e.g. the name of
/// the function the question only describes), searches again with the question plus those terms, and fuses both hops
/// with reciprocal rank fusion. Its result lists the derived query. Thread-safe.
/// </summary>
public sealed class FollowUpRetrievalAgent(IPassageRetriever retriever) : IAgent
{
    /// <summary>How many of the first hop's best passages the new terms come from.</summary>
    private const int SourcePassages = 3;

    /// <summary>How many new terms are added to the question.</summary>
    private const int NewTerms = 6;

    public AgentDescriptor Descriptor { get; } = new(
        AgentNames.FollowUpRetrieval,
        "Searches again with what the previous retrieval revealed (multi-hop), and merges both result lists.",
        new InputSchema(
            new InputProperty("query", InputType.String, "The original question.", Required: true, MaxLength: 4000),
            new InputProperty("k", InputType.Integer, "How many passages to return.", Minimum: 1, Maximum: 100)),
        new AgentCostProfile(LocalLatencyMs: 5));

    public async Task<StepOutput> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var query = context.GetString("query") ?? context.Query;
        var k = context.GetInt32("k", 8);
        var first = context.Dependencies
            .Where(d => d.Agent is AgentNames.Retrieval or AgentNames.FollowUpRetrieval)
            .SelectMany(d => d.Output.Read<RetrievalResult>().Passages)
            .ToList();
        if (first.Count == 0)
        {
            // Nothing to build on: the second hop is the first hop again.
            var direct = await retriever.RetrieveAsync(context.TenantId, query, k, context.Filters, cancellationToken);
            return StepOutput.Create(new RetrievalResult(query, null, direct, query), RetrievalAgent.Summarize(direct));
        }

        var followUpQuery = DeriveQuery(query, first);
        context.Events.Progress($"Second lookup: {followUpQuery}");
        var second = await retriever.RetrieveAsync(context.TenantId, followUpQuery, k, context.Filters, cancellationToken);

        var byId = new Dictionary<string, RetrievedPassage>(StringComparer.Ordinal);
        foreach (var passage in first.Concat(second))
        {
            byId.TryAdd(passage.ChunkId, passage);
        }

        var fused = new ReciprocalRankFusion().Fuse(
            [
                new RankedList("first", [.. first.Select(p => new ScoredId(p.ChunkId, p.Score))]),
                new RankedList("follow-up", [.. second.Select(p => new ScoredId(p.ChunkId, p.Score))]),
            ],
            byId.Count);
        // Equal fused scores (1st and 2nd in one list, 2nd and 1st in the other) keep the first hop's order, then the
        // second's, so the order does not depend on chunk ids (random per ingestion).
        var firstRank = first.Select((p, i) => (p.ChunkId, i)).GroupBy(x => x.ChunkId).ToDictionary(g => g.Key, g => g.Min(x => x.i), StringComparer.Ordinal);
        var secondRank = second.Select((p, i) => (p.ChunkId, i)).GroupBy(x => x.ChunkId).ToDictionary(g => g.Key, g => g.Min(x => x.i), StringComparer.Ordinal);
        var passages = fused
            .OrderByDescending(h => Math.Round(h.Score, 12))
            .ThenBy(h => firstRank.GetValueOrDefault(h.Id, int.MaxValue))
            .ThenBy(h => secondRank.GetValueOrDefault(h.Id, int.MaxValue))
            .Take(k)
            .Select(h => byId[h.Id] with { Score = h.Score })
            .ToList();
        var added = passages.Count(p => first.All(f => f.ChunkId != p.ChunkId));
        return StepOutput.Create(
            new RetrievalResult(query, null, passages, followUpQuery),
            $"{RetrievalAgent.Summarize(passages)} {added} new from the second lookup.");
    }

    /// <summary>
    /// The question plus the terms that best characterize the first hop's top passages against the rest of what it
    /// retrieved (term frequency in the top passages × inverse frequency across all retrieved passages), excluding the
    /// question's own terms. Deterministic: ties break by term.
    /// </summary>
    internal static string DeriveQuery(string query, IReadOnlyList<RetrievedPassage> passages)
    {
        var queryTerms = QuestionText.TopicTerms(query);
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var passageTerms = passages.Select(p => EnglishAnalyzer.Default.Analyze(p.Text)).ToList();
        foreach (var terms in passageTerms)
        {
            foreach (var term in terms.Distinct(StringComparer.Ordinal))
            {
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
            }
        }

        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var terms in passageTerms.Take(SourcePassages))
        {
            foreach (var term in terms)
            {
                if (queryTerms.Contains(term) || QuestionText.IsFunctionTerm(term) || term.Length < 2 || term.All(char.IsDigit))
                {
                    continue;
                }

                var idf = Math.Log(1 + ((passages.Count + 1.0) / (documentFrequency[term] + 0.5)));
                weights[term] = weights.GetValueOrDefault(term) + idf;
            }
        }

        var added = weights.OrderByDescending(w => w.Value).ThenBy(w => w.Key, StringComparer.Ordinal).Take(NewTerms).Select(w => w.Key);
        return $"{query} {string.Join(' ', added)}".Trim();
    }
}
