using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Text;

namespace AgentRag.Agents.Synthesis;

/// <summary>
/// Answers without a model: picks the sentences of the retrieved passages that best support the question, drops
/// near-duplicates, orders them, and cites each with <c>[n]</c>. Deterministic and thread-safe.
/// <para>
/// A sentence's word evidence is the share of the question's term weight it contains (topic terms analyzed as for
/// search; each weighted by its inverse frequency among the candidate sentences, so a term every sentence has counts
/// little; measured against the question's five heaviest terms, so long questions are not penalized). With sentence
/// relevance (the cosine of sentence and question from the embedding model), its evidence is
/// <see cref="SemanticWeight"/> of the rescaled cosine (<see cref="SemanticScale"/>) plus the rest of the word evidence,
/// so the sentence that carries the fact in other words is chosen. A question asking for a quantity prefers sentences
/// stating a number (<see cref="QuantityBoost"/>). The score is the evidence times a prior for its passage's rank, times a
/// length factor (fragments and run-ons count less). Sentences scoring below <see cref="MinimumScore"/> or under
/// <see cref="RelativeCutoff"/> of the best are not used; a sentence sharing half its terms with one already chosen is
/// redundant. In a comparison, each entity's best sentence is chosen first, and an entity no sentence names is reported
/// as not found in the answer. A sentence is scored with its section heading, and with the short label line it defines
/// (quoted before it), as context. The cited passages keep their retrieval order, text order within a
/// passage. When no sentence qualifies, the answer says the documents do not
/// cover the question and cites nothing.
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

    /// <summary>The most words a label line (a term a following sentence defines) may have.</summary>
    private const int MaxLabelWords = 6;

    /// <summary>The factor by which a sentence stating a number is preferred when the question asks for a quantity or a default.</summary>
    public const double QuantityBoost = 1.2;

    /// <summary>The share of a sentence's score that comes from its meaning (cosine with the question) when relevance is given.</summary>
    public const double SemanticWeight = 0.5;

    /// <summary>The cosine of sentence and question at or below which they are taken to be unrelated.</summary>
    public const double UnrelatedCosine = 0.2;

    /// <summary>The cosine of sentence and question at or above which the sentence is taken to be about the question.</summary>
    public const double RelatedCosine = 0.8;

    /// <summary>The sentences of passage texts, memoized: the same passages answer query after query.</summary>
    private static readonly TextMemo<IReadOnlyList<TextSegment>> SentencesOf = new(SentenceSplitter.Split, maxCharacters: 2_000_000);

    /// <summary>A sentence's score is measured against the weights of at most this many of the question's terms.</summary>
    private const int MaxTermsCounted = 5;

    /// <summary>
    /// Composes the answer. Its <see cref="ExtractiveAnswer.Sources"/> are <paramref name="passages"/> reordered so the
    /// cited ones come first, numbered in order of first citation; the markers index into them.
    /// </summary>
    public ExtractiveAnswer Compose(
        string question, IReadOnlyList<RetrievedPassage> passages, IReadOnlyList<string>? entities = null, IReadOnlyDictionary<string, double>? relevance = null)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(passages);
        var candidates = new List<Candidate>();
        for (var p = 0; p < passages.Count; p++)
        {
            // A sentence is read in its section: the section's own heading counts as context of each of its sentences.
            var heading = passages[p].HeadingPath.Split(" > ")[^1];
            var segments = SentencesOf.Get(passages[p].Text);
            for (var i = 0; i < segments.Count; i++)
            {
                var segment = segments[i];
                if (!IsCandidate(segment))
                {
                    continue;
                }

                // A sentence right under a short label line of its own ("Applications/Accessibility", "url.port") is that
                // label's definition: the label is read with it and quoted before it.
                var label = i > 0 && segments[i - 1] is { Kind: SegmentKind.Heading } previous && previous.Text.Split(' ').Length <= MaxLabelWords
                    && !heading.EndsWith(previous.Text, StringComparison.OrdinalIgnoreCase) && !previous.Text.EndsWith(heading, StringComparison.OrdinalIgnoreCase)
                    ? previous.Text
                    : null;
                var words = segment.Text.Split(' ').Length;
                var terms = LexicalSimilarity.TermSet(segment.Text);
                candidates.Add(new Candidate(p, segment, terms, LexicalSimilarity.TermSet($"{segment.Text} {heading} {label}"), words) { Label = label });
            }
        }

        var questionTerms = QuestionText.TopicTerms(question);
        if (candidates.Count == 0 || (questionTerms.Count == 0 && relevance is null))
        {
            return Declined(passages);
        }

        var weights = TermWeights(questionTerms, candidates);
        var quantity = QuestionText.AsksForQuantity(question);
        // A long question's sentences each answer part of it: measure against its most telling terms, not all of them.
        var total = weights.Values.OrderByDescending(w => w).Take(MaxTermsCounted).Sum();
        foreach (var candidate in candidates)
        {
            var matched = candidate.ContextTerms.Where(weights.ContainsKey).Sum(t => weights[t]);
            var lexical = total > 0 ? Math.Min(1, matched / total) : 0;
            candidate.Relevance = relevance is not null && relevance.TryGetValue(candidate.Segment.Text, out var cosine) ? cosine : null;
            var evidence = candidate.Relevance is { } r ? ((1 - SemanticWeight) * lexical) + (SemanticWeight * SemanticScale(r)) : lexical;
            if (quantity && QuestionText.StatesQuantity(candidate.Segment.Text))
            {
                // "How many…", "what is the default size…": a sentence that states a number is the kind of sentence asked for.
                evidence *= QuantityBoost;
            }

            var prior = Math.Max(0.5, 1 - (0.08 * candidate.Passage));
            var length = candidate.Words < 6 ? 0.6 : candidate.Words > 60 ? 0.8 : 1.0;
            candidate.Score = evidence * prior * length;
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
        var missing = new List<string>();
        foreach (var entity in entities ?? [])
        {
            var entityTerms = LexicalSimilarity.Terms(entity);
            if (entityTerms.Count == 0)
            {
                continue;
            }

            if (ranked.FirstOrDefault(c => entityTerms.IsSubsetOf(c.Terms) && !IsRedundant(c, chosen)) is { } best)
            {
                chosen.Add(best);
            }
            else if (!chosen.Any(c => entityTerms.IsSubsetOf(c.Terms)))
            {
                missing.Add(entity);
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

        // Passages in retrieval order (which weighs the section a heading names, stronger evidence of where the answer is
        // than one sentence's score), text order within a passage.
        var ordered = chosen.OrderBy(c => c.Passage).ThenBy(c => c.Segment.Start).ToList();

        // Number the cited passages 1..m in order of first citation; the rest of the context follows.
        var order = ordered.Select(c => c.Passage).Distinct().ToList();
        order.AddRange(Enumerable.Range(0, passages.Count).Where(i => !order.Contains(i)));
        var number = order.Select((passage, index) => (passage, index)).ToDictionary(x => x.passage, x => x.index + 1);
        var sentences = ordered.Select(c => new ExtractedSentence(number[c.Passage], c.Segment, Math.Round(c.Score, 4)) { Relevance = c.Relevance, Label = c.Label }).ToList();
        var text = string.Join(' ', sentences.Select(s => s.Label is null ? $"{s.Segment.Text} [{s.Source}]" : $"{s.Label}: {s.Segment.Text} [{s.Source}]"));
        if (missing.Count > 0)
        {
            // Every part of the question is answered or said to be missing, never silently dropped.
            text += " " + NotFoundText(missing);
        }

        return new ExtractiveAnswer(text, sentences, [.. order.Select(i => passages[i])], Declined: false) { MissingParts = missing };
    }

    /// <summary>The sentence an answer adds for the parts of a multi-part question no passage speaks of.</summary>
    public static string NotFoundText(IReadOnlyList<string> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return $"The documents found say nothing about {string.Join(" or ", parts.Select(p => $"“{p}”"))}.";
    }

    /// <summary>
    /// The sentences of <paramref name="passage"/> that can be chosen: prose sentences of four words or more. The texts
    /// whose relevance a caller passes to <see cref="Compose"/>.
    /// </summary>
    public static IEnumerable<TextSegment> CandidateSegments(RetrievedPassage passage)
    {
        ArgumentNullException.ThrowIfNull(passage);
        return SentencesOf.Get(passage.Text).Where(IsCandidate);
    }

    private static bool IsCandidate(TextSegment segment) => segment.Kind == SegmentKind.Sentence && segment.Text.Split(' ').Length >= 4;

    /// <summary>
    /// A cosine similarity of sentence and question (all-MiniLM-L6-v2 and similar sentence models) on 0–1:
    /// <see cref="UnrelatedCosine"/> and below is 0, <see cref="RelatedCosine"/> and above is 1, linear between.
    /// </summary>
    public static double SemanticScale(double cosine) => Math.Clamp((cosine - UnrelatedCosine) / (RelatedCosine - UnrelatedCosine), 0, 1);

    private static ExtractiveAnswer Declined(IReadOnlyList<RetrievedPassage> passages) => new(DeclineText, [], passages, Declined: true);

    /// <summary>
    /// A decline that names what was searched: the question's search words, and the documents and sections of the
    /// closest passages found (none of which is about the question). Still a decline by <see cref="IsDecline"/>.
    /// </summary>
    public static string DeclineMessage(string question, IReadOnlyList<RetrievedPassage> sources)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(sources);
        var searched = $"{DeclineText} Searched for “{QuestionText.SearchQuery(question).Trim('?', '.', '!', ' ')}”";
        if (sources.Count == 0)
        {
            return $"{searched}: no passage matched.";
        }

        var closest = sources.Take(3)
            .Select(s => s.HeadingPath.Length > 0 ? $"{s.DocumentName} ({s.HeadingPath.Split(" > ")[^1]})" : s.DocumentName)
            .Distinct(StringComparer.Ordinal);
        return $"{searched}; the closest passages, in {string.Join(", ", closest)}, are not about it.";
    }

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

        public double? Relevance { get; set; }

        public string? Label { get; init; }
    }
}

/// <summary>An extractive answer: its text with markers, the sentences it used, and the renumbered sources.</summary>
public sealed record ExtractiveAnswer(string Text, IReadOnlyList<ExtractedSentence> Sentences, IReadOnlyList<RetrievedPassage> Sources, bool Declined)
{
    /// <summary>The parts (compared entities) of the question no chosen sentence speaks of; the answer says so.</summary>
    public IReadOnlyList<string> MissingParts { get; init; } = [];
}

/// <summary>A sentence used in an extractive answer: its source number (1-based), the sentence, and its score.</summary>
public sealed record ExtractedSentence(int Source, TextSegment Segment, double Score)
{
    /// <summary>The sentence's cosine similarity with the question, when sentence embeddings were available.</summary>
    public double? Relevance { get; init; }

    /// <summary>The short label line the sentence defines (quoted before it), if any.</summary>
    public string? Label { get; init; }
}
