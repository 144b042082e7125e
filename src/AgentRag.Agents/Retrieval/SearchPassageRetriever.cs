using AgentRag.Agents.Text;
using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Search;

namespace AgentRag.Agents.Retrieval;

/// <summary>
/// Passage retrieval for natural-language questions over <see cref="SearchService"/>, the engine behind every search
/// surface.
/// <list type="number">
/// <item>The question, without the words that only make it a question (<see cref="QuestionText"/>) and escaped so its
/// quotes, hyphens or parentheses are words rather than operators (<see cref="KeywordQueryParser.EscapeFreeText"/>), is
/// searched for <see cref="CandidateFactor"/> times the passages asked for: hybrid (BM25 and dense, fused) when an
/// embedding provider is configured, else BM25. The service hydrates the hits and keeps ready documents only.</item>
/// <item>The candidates are re-ranked by their score relative to the best, plus <see cref="HeadingWeight"/> times
/// the share of the question's topic terms that the chunk's section heading names (each term weighted by its rarity
/// among the candidates; its own heading fully, the enclosing ones at half weight): a section titled with the question's
/// subject is about it, which body-text statistics alone miss (the title-field boost of BM25F); plus
/// <see cref="NameWeight"/> times how surely the question names the passage's document by a word of its file name ("in R"
/// for <c>R-intro.pdf</c>, "gnuplot", "Node.js"): a passage of the manual the question is about beats one of another
/// manual that matches the question's common words better. A name word counts as much as it is concentrated in the
/// documents it names among the candidates (<see cref="NamingStrengths"/>), so "R" or "gnuplot" counts fully and a
/// common word that happens to be in a file name ("data", "process") little.</item>
/// </list>
/// Each passage carries its <see cref="RetrievedPassage.KeywordStrength"/> and <see cref="RetrievedPassage.KeywordShare"/>
/// (its BM25 score over the index's largest single-term weight, and over the most the query could score), which answer
/// confidence and declining use. Thread-safe.
/// </summary>
public sealed class SearchPassageRetriever(SearchService search) : IPassageRetriever
{
    /// <summary>Candidates fetched per passage returned, for re-ranking.</summary>
    public const int CandidateFactor = 3;

    /// <summary>The weight of section-heading evidence against the relative retrieval score (which is at most 1).</summary>
    public const double HeadingWeight = 1.0;

    /// <summary>The weight of evidence that the question names the passage's document, against the relative retrieval score.</summary>
    public const double NameWeight = 1.0;

    public async Task<IReadOnlyList<RetrievedPassage>> RetrieveAsync(
        string tenantId, string query, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var text = KeywordQueryParser.EscapeFreeText(QuestionText.SearchQuery(query));
        if (text.Length == 0)
        {
            return [];
        }

        var response = await search.SearchAsync(tenantId, new SearchRequest
        {
            Query = text,
            K = Math.Max(k * CandidateFactor, 20),
            Mode = search.HasDenseRetrieval ? SearchMode.Hybrid : SearchMode.Bm25,
            Filters = filters,
        }, cancellationToken);
        var scale = await search.GetKeywordScoreScaleAsync(tenantId, text, cancellationToken);
        var bound = scale.QueryBound;
        var unit = MaxTermWeight(scale.Chunks);
        var passages = response.Hits.Select(hit => new RetrievedPassage
        {
            ChunkId = hit.ChunkId,
            DocumentId = hit.DocumentId,
            DocumentName = hit.DocumentName,
            Pages = hit.Pages,
            HeadingPath = hit.HeadingPath,
            Text = hit.Text,
            Spans = hit.Spans,
            Score = hit.Score,
            KeywordStrength = hit.Components.Bm25 is { } bm25 && unit > 0 ? Math.Round(bm25 / unit, 4) : 0,
            KeywordShare = hit.Components.Bm25 is { } matched && bound > 0 ? Math.Round(Math.Min(1, matched / bound), 4) : 0,
        }).ToList();
        return Rerank(query, passages, k);
    }

    /// <summary>The largest weight one term can have in BM25 over <paramref name="chunks"/> chunks: the idf of a term in one chunk.</summary>
    internal static double MaxTermWeight(int chunks) => chunks < 1 ? 0 : Math.Log(1 + ((chunks - 0.5) / 1.5));

    /// <summary>Orders passages by relative BM25 plus heading and name evidence (see the class remarks) and keeps the best <paramref name="k"/>.</summary>
    internal static IReadOnlyList<RetrievedPassage> Rerank(string question, IReadOnlyList<RetrievedPassage> passages, int k)
    {
        if (passages.Count == 0)
        {
            return passages;
        }

        var texts = passages.Select(p => LexicalSimilarity.TermSet($"{p.HeadingPath} {p.Text}")).ToList();
        var topic = QuestionText.TopicTerms(question);
        var naming = NamingStrengths(topic, passages, texts);

        // One-letter terms (appendix letters, variable names, language names such as R or C) are too ambiguous to say
        // which section a heading introduces (though not which document a file name names).
        topic.RemoveWhere(t => t.Length < 2);
        var weights = TopicWeights(topic, texts);
        var best = passages.Max(p => p.Score);
        return passages
            .Select((passage, rank) => (passage, rank, score: (best > 0 ? passage.Score / best : 0)
                + (HeadingWeight * HeadingCoverage(weights, passage.HeadingPath))
                + (NameWeight * NameMatch(naming, passage.DocumentName))))
            .OrderByDescending(x => x.score)
            .ThenBy(x => x.rank)
            .Take(k)
            .Select(x => x.passage with { Score = Math.Round(x.score, 6) })
            .ToList();
    }

    /// <summary>
    /// Lucene's BM25 idf, ln(1 + (N − df + 0.5) / (df + 0.5)), of each topic term over the candidates' analyzed texts: a
    /// term most candidates contain (the corpus's subject, like "R" in the R manuals) says next to nothing about which
    /// section is meant.
    /// </summary>
    internal static Dictionary<string, double> TopicWeights(HashSet<string> topic, IReadOnlyList<IReadOnlySet<string>> texts) =>
        topic.ToDictionary(
            t => t,
            t =>
            {
                var df = texts.Count(x => x.Contains(t));
                return Math.Log(1 + ((texts.Count - df + 0.5) / (df + 0.5)));
            },
            StringComparer.Ordinal);

    /// <summary>
    /// The terms of a document's file name without its extension (the format, not the subject), analyzed as for search,
    /// with dots removed so that "Node.js" in a question meets "nodejs" in a file name.
    /// </summary>
    internal static HashSet<string> NameTerms(string fileName) =>
        new(LexicalSimilarity.TermSet(Path.GetFileNameWithoutExtension(fileName)).Select(WithoutDots), StringComparer.Ordinal);

    /// <summary>
    /// How surely each topic term that is in a candidate document's file name points at the documents it names: of the
    /// candidates whose analyzed text (<paramref name="texts"/>) has the term, the share from those documents; 1 when no
    /// candidate's text has it. A manual's subject ("R", "gnuplot") is concentrated in it, while a common word that happens
    /// to be in a file name ("data", "process") is spread over every document and names little. Empty when the question
    /// names no candidate's document.
    /// </summary>
    internal static Dictionary<string, double> NamingStrengths(
        HashSet<string> topic, IReadOnlyList<RetrievedPassage> passages, IReadOnlyList<IReadOnlySet<string>> texts)
    {
        var names = passages.Select(p => p.DocumentName).Distinct(StringComparer.Ordinal).ToDictionary(n => n, NameTerms, StringComparer.Ordinal);
        var strengths = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var term in topic.Select(WithoutDots).Where(t => names.Values.Any(n => n.Contains(t))))
        {
            var having = 0;
            var named = 0;
            for (var i = 0; i < passages.Count; i++)
            {
                if (texts[i].Contains(term) || texts[i].Any(x => x.Contains('.', StringComparison.Ordinal) && WithoutDots(x) == term))
                {
                    having++;
                    named += names[passages[i].DocumentName].Contains(term) ? 1 : 0;
                }
            }

            strengths[term] = having == 0 ? 1 : (double)named / having;
        }

        return strengths;
    }

    /// <summary>
    /// How surely the question names the document <paramref name="documentName"/>: the noisy-or of the naming strengths
    /// of the question's terms its file name has (0 when it has none).
    /// </summary>
    internal static double NameMatch(IReadOnlyDictionary<string, double> namingStrengths, string documentName)
    {
        if (namingStrengths.Count == 0)
        {
            return 0;
        }

        var name = NameTerms(documentName);
        var missed = 1.0;
        foreach (var (term, strength) in namingStrengths)
        {
            if (name.Contains(term))
            {
                missed *= 1 - strength;
            }
        }

        return 1 - missed;
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
        var own = LexicalSimilarity.TermSet(headings[^1]);
        var enclosing = LexicalSimilarity.TermSet(string.Join(' ', headings[..^1]));
        var score = 0.0;
        foreach (var (term, weight) in topicWeights)
        {
            score += weight * (own.Contains(term) ? 1 : enclosing.Contains(term) ? 0.5 : 0);
        }

        return score / total;
    }

    private static string WithoutDots(string term) => term.Replace(".", "", StringComparison.Ordinal);
}
