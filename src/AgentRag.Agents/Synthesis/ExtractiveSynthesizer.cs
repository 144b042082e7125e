using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Text;

namespace AgentRag.Agents.Synthesis;

/// <summary>
/// Answers without a model: picks the sentences of the retrieved passages that best support the question, drops
/// near-duplicates, orders them, and cites each with <c>[n]</c>. Deterministic and thread-safe.
/// <para>
/// A sentence's score is the share of the question's term weight it contains (topic terms analyzed as for search; each
/// weighted by its inverse frequency among the candidate sentences, so a term every sentence has counts little; measured
/// against the question's five heaviest terms, so long questions are not penalized),
/// times a prior for its passage's rank, times a length factor (fragments and run-ons count less). Sentences scoring
/// below <see cref="MinimumScore"/> or under <see cref="RelativeCutoff"/> of the best are not used; a sentence sharing
/// half its terms with one already chosen is redundant. In a comparison, each entity's best sentence is chosen first.
/// A sentence is scored with its section heading as context. Chosen sentences follow the passages' rank, and text order
/// within a passage. When no sentence qualifies, the answer says the documents do not cover the question and cites nothing.
/// </para>
/// </summary>
public sealed class ExtractiveSynthesizer(int maxSentences = 4)
{
    public const string DeclineText = "The documents do not cover this question.";

    /// <summary>
    /// True when <paramref name="answer"/> declines: it says the documents do not cover the question and cites nothing
    /// (an answer that covers part of the question, with citations, is not a decline).
    /// </summary>
    public static bool IsDecline(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return answer.Contains("do not cover", StringComparison.OrdinalIgnoreCase) && !System.Text.RegularExpressions.Regex.IsMatch(answer, @"\[\d{1,3}\]");
    }

    /// <summary>The least score a sentence needs to be used.</summary>
    public const double MinimumScore = 0.2;

    /// <summary>Sentences scoring under this share of the best one are left out.</summary>
    public const double RelativeCutoff = 0.45;

    private const double RedundancyJaccard = 0.5;

    /// <summary>The sentences of passage texts, memoized: the same passages answer query after query.</summary>
    private static readonly TextMemo<IReadOnlyList<TextSegment>> SentencesOf = new(SentenceSplitter.Split, maxCharacters: 2_000_000);

    /// <summary>A sentence's score is measured against the weights of at most this many of the question's terms.</summary>
    private const int MaxTermsCounted = 5;

    /// <summary>
    /// Composes the answer. Its <see cref="ExtractiveAnswer.Sources"/> are <paramref name="passages"/> reordered so the
    /// cited ones come first, numbered in order of first citation; the markers index into them.
    /// </summary>
    public ExtractiveAnswer Compose(string question, IReadOnlyList<RetrievedPassage> passages, IReadOnlyList<string>? entities = null)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(passages);
        var candidates = new List<Candidate>();
        for (var p = 0; p < passages.Count; p++)
        {
            // A sentence is read in its section: the section's own heading counts as context of each of its sentences.
            var heading = passages[p].HeadingPath.Split(" > ")[^1];
            foreach (var segment in SentencesOf.Get(passages[p].Text))
            {
                var words = segment.Text.Split(' ').Length;
                if (segment.Kind == SegmentKind.Sentence && words >= 4)
                {
                    var terms = LexicalSimilarity.TermSet(segment.Text);
                    candidates.Add(new Candidate(p, segment, terms, LexicalSimilarity.TermSet($"{segment.Text} {heading}"), words));
                }
            }
        }

        var questionTerms = QuestionText.TopicTerms(question);
        if (candidates.Count == 0 || questionTerms.Count == 0)
        {
            return Declined(passages);
        }

        var weights = TermWeights(questionTerms, candidates);
        // A long question's sentences each answer part of it: measure against its most telling terms, not all of them.
        var total = weights.Values.OrderByDescending(w => w).Take(MaxTermsCounted).Sum();
        foreach (var candidate in candidates)
        {
            var matched = candidate.ContextTerms.Where(weights.ContainsKey).Sum(t => weights[t]);
            var prior = Math.Max(0.5, 1 - (0.08 * candidate.Passage));
            var length = candidate.Words < 6 ? 0.6 : candidate.Words > 60 ? 0.8 : 1.0;
            candidate.Score = Math.Min(1, matched / total) * prior * length;
        }

        var ranked = candidates.Where(c => c.Score >= MinimumScore)
            .OrderByDescending(c => c.Score).ThenBy(c => c.Passage).ThenBy(c => c.Segment.Start)
            .ToList();
        if (ranked.Count == 0)
        {
            return Declined(passages);
        }

        var chosen = new List<Candidate>();
        var cutoff = ranked[0].Score * RelativeCutoff;
        foreach (var entity in entities ?? [])
        {
            var entityTerms = LexicalSimilarity.Terms(entity);
            if (entityTerms.Count > 0 && ranked.FirstOrDefault(c => entityTerms.IsSubsetOf(c.Terms) && !IsRedundant(c, chosen)) is { } best)
            {
                chosen.Add(best);
            }
        }

        foreach (var candidate in ranked)
        {
            if (chosen.Count >= maxSentences || candidate.Score < cutoff)
            {
                break;
            }

            if (!chosen.Contains(candidate) && !IsRedundant(candidate, chosen))
            {
                chosen.Add(candidate);
            }
        }

        var ordered = chosen.OrderBy(c => c.Passage).ThenBy(c => c.Segment.Start).ToList();

        // Number the cited passages 1..m in order of first citation; the rest of the context follows.
        var order = ordered.Select(c => c.Passage).Distinct().ToList();
        order.AddRange(Enumerable.Range(0, passages.Count).Where(i => !order.Contains(i)));
        var number = order.Select((passage, index) => (passage, index)).ToDictionary(x => x.passage, x => x.index + 1);
        var sentences = ordered.Select(c => new ExtractedSentence(number[c.Passage], c.Segment, Math.Round(c.Score, 4))).ToList();
        var text = string.Join(' ', sentences.Select(s => $"{s.Segment.Text} [{s.Source}]"));
        return new ExtractiveAnswer(text, sentences, [.. order.Select(i => passages[i])], Declined: false);
    }

    private static ExtractiveAnswer Declined(IReadOnlyList<RetrievedPassage> passages) => new(DeclineText, [], passages, Declined: true);

    private static bool IsRedundant(Candidate candidate, List<Candidate> chosen) =>
        chosen.Any(c => LexicalSimilarity.Jaccard(c.Terms, candidate.Terms) >= RedundancyJaccard);

    /// <summary>ln(1 + N / df) of each question term over the candidate sentences; terms no sentence has get the largest weight.</summary>
    private static Dictionary<string, double> TermWeights(HashSet<string> questionTerms, List<Candidate> candidates)
    {
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var term in questionTerms)
        {
            var df = candidates.Count(c => c.ContextTerms.Contains(term));
            weights[term] = Math.Log(1 + ((double)candidates.Count / Math.Max(1, df)));
        }

        return weights;
    }

    private sealed class Candidate(int passage, TextSegment segment, IReadOnlySet<string> terms, IReadOnlySet<string> contextTerms, int words)
    {
        public IReadOnlySet<string> ContextTerms { get; } = contextTerms;

        public int Passage { get; } = passage;

        public TextSegment Segment { get; } = segment;

        public IReadOnlySet<string> Terms { get; } = terms;

        public int Words { get; } = words;

        public double Score { get; set; }
    }
}

/// <summary>An extractive answer: its text with markers, the sentences it used, and the renumbered sources.</summary>
public sealed record ExtractiveAnswer(string Text, IReadOnlyList<ExtractedSentence> Sentences, IReadOnlyList<RetrievedPassage> Sources, bool Declined);

/// <summary>A sentence used in an extractive answer: its source number (1-based), the sentence, and its score.</summary>
public sealed record ExtractedSentence(int Source, TextSegment Segment, double Score);
