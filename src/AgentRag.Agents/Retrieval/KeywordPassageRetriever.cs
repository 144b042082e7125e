using AgentRag.Agents.Text;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;

namespace AgentRag.Agents.Retrieval;

/// <summary>
/// BM25 passage retrieval for natural-language questions.
/// <list type="number">
/// <item><see cref="KeywordSearcher"/> ranks chunks for the question as free text (so its quotes, hyphens or parentheses
/// are words, not operators), without the words that only make it a question (<see cref="QuestionText"/>), taking
/// <see cref="CandidateFactor"/> times the passages asked for.</item>
/// <item><see cref="IDocumentStore"/> supplies each chunk's text, pages, heading path and document name; hits whose
/// chunk or document disappeared meanwhile (deleted) are skipped.</item>
/// <item>The candidates are re-ranked by their BM25 score relative to the best, plus <see cref="HeadingWeight"/> times
/// the share of the question's topic terms that the chunk's section heading names (each term weighted by its rarity
/// among the candidates; its own heading fully, the enclosing ones at half weight): a section titled with the question's subject is about it, which body-text
/// statistics alone miss (the title-field boost of BM25F).</item>
/// </list>
/// Thread-safe.
/// </summary>
public sealed class KeywordPassageRetriever(KeywordSearcher searcher, IDocumentStore store) : IPassageRetriever
{
    /// <summary>Candidates fetched per passage returned, for re-ranking.</summary>
    public const int CandidateFactor = 3;

    /// <summary>The weight of section-heading evidence against the relative BM25 score (which is at most 1).</summary>
    public const double HeadingWeight = 1.0;

    public async Task<IReadOnlyList<RetrievedPassage>> RetrieveAsync(
        string tenantId, string query, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var hits = await searcher.SearchAsync(
            tenantId, KeywordQuery.FreeText(QuestionText.SearchQuery(query)), Math.Max(k * CandidateFactor, 20), filters, rm3: null, cancellationToken);
        if (hits.Count == 0)
        {
            return [];
        }

        var chunks = (await store.GetChunksByIdAsync(tenantId, [.. hits.Select(h => h.ChunkId)], cancellationToken))
            .ToDictionary(c => c.Id, StringComparer.Ordinal);
        var documents = new Dictionary<string, Document?>(StringComparer.Ordinal);
        var passages = new List<RetrievedPassage>(hits.Count);
        foreach (var hit in hits)
        {
            if (!chunks.TryGetValue(hit.ChunkId, out var chunk))
            {
                continue;
            }

            if (!documents.TryGetValue(chunk.DocumentId, out var document))
            {
                document = await store.GetAsync(tenantId, chunk.DocumentId, cancellationToken);
                documents[chunk.DocumentId] = document;
            }

            if (document is null)
            {
                continue;
            }

            passages.Add(new RetrievedPassage
            {
                ChunkId = chunk.Id,
                DocumentId = chunk.DocumentId,
                DocumentName = document.FileName,
                Ordinal = chunk.Ordinal,
                Pages = chunk.Pages,
                HeadingPath = chunk.HeadingPath,
                Text = chunk.Text,
                Spans = chunk.Spans,
                Score = hit.Score,
            });
        }

        return Rerank(query, passages, k);
    }

    /// <summary>Orders passages by relative BM25 plus heading evidence (see the class remarks) and keeps the best <paramref name="k"/>.</summary>
    internal static IReadOnlyList<RetrievedPassage> Rerank(string question, IReadOnlyList<RetrievedPassage> passages, int k)
    {
        if (passages.Count == 0)
        {
            return passages;
        }

        // One-letter terms (appendix letters, variable names, language names such as R or C) are too ambiguous to say
        // which section a heading introduces.
        var topic = QuestionText.TopicTerms(question);
        topic.RemoveWhere(t => t.Length < 2);
        var weights = TopicWeights(topic, passages);
        var best = passages.Max(p => p.Score);
        return passages
            .Select((passage, rank) => (passage, rank, score: (best > 0 ? passage.Score / best : 0) + (HeadingWeight * HeadingCoverage(weights, passage.HeadingPath))))
            .OrderByDescending(x => x.score)
            .ThenBy(x => x.rank)
            .Take(k)
            .Select(x => x.passage with { Score = Math.Round(x.score, 6) })
            .ToList();
    }

    /// <summary>
    /// Lucene's BM25 idf, ln(1 + (N − df + 0.5) / (df + 0.5)), of each topic term over the candidates' texts: a term most
    /// candidates contain (the corpus's subject, like "R" in the R manuals) says next to nothing about which section is meant.
    /// </summary>
    internal static Dictionary<string, double> TopicWeights(HashSet<string> topic, IReadOnlyList<RetrievedPassage> passages)
    {
        var texts = passages.Select(p => LexicalSimilarity.Terms($"{p.HeadingPath} {p.Text}")).ToList();
        return topic.ToDictionary(
            t => t,
            t =>
            {
                var df = texts.Count(x => x.Contains(t));
                return Math.Log(1 + ((texts.Count - df + 0.5) / (df + 0.5)));
            },
            StringComparer.Ordinal);
    }

    /// <summary>The weighted share of the topic terms the heading path names: the last heading counts fully, the enclosing ones half.</summary>
    internal static double HeadingCoverage(IReadOnlyDictionary<string, double> topicWeights, string headingPath)
    {
        var total = topicWeights.Values.Sum();
        if (total <= 0 || headingPath.Length == 0)
        {
            return 0;
        }

        var headings = headingPath.Split(" > ");
        var own = LexicalSimilarity.Terms(headings[^1]);
        var enclosing = LexicalSimilarity.Terms(string.Join(' ', headings[..^1]));
        var score = 0.0;
        foreach (var (term, weight) in topicWeights)
        {
            score += weight * (own.Contains(term) ? 1 : enclosing.Contains(term) ? 0.5 : 0);
        }

        return score / total;
    }
}
