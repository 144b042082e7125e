using System.Globalization;
using System.Text.RegularExpressions;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Text;
using AgentRag.Core.Documents;

namespace AgentRag.Agents.Citations;

/// <summary>
/// Checks an answer's <c>[n]</c> citations against their sources.
/// <para>
/// Each answer sentence's markers are read (<c>[2]</c>, <c>[1][3]</c>, <c>[1, 3]</c>). For each cited passage, the
/// supporting quote is the passage sentence, or pair of adjacent sentences, that covers the most of the cited
/// sentence's terms (analyzed as for search); that coverage is the <b>word</b> support, and it holds at the threshold.
/// With sentence embeddings, a sentence whose words the passage does not support well enough may still be a
/// <b>paraphrase</b>: the passage sentence closest in meaning is the quote, and its cosine similarity with the sentence
/// holds at <see cref="ParaphraseCosine"/>. The support score is the larger of the measures, and the citation's
/// <see cref="Citation.SupportBasis"/> says which held. A marker for which neither held, or whose number names no source,
/// is removed from the answer and reported. <c>citation_support_rate</c> is the share of citing sentences whose
/// citations were all kept.
/// </para>
/// Thread-safe.
/// </summary>
public sealed partial class CitationVerifier(double minimumSupport)
{
    /// <summary>
    /// The cosine similarity (all-MiniLM-L6-v2) at which a passage sentence supports a differently worded answer sentence.
    /// Set on paraphrases written for it (docs/adr/0030-answers-that-find-the-fact.md): restatements sharing at most one
    /// word with their source scored 0.62–0.74, sentences on a neighbouring point of the same subject up to 0.55.
    /// </summary>
    public const double ParaphraseCosine = 0.6;

    /// <summary>The <see cref="Citation.SupportBasis"/> of a citation whose words the passage contains.</summary>
    public const string WordsBasis = "words";

    /// <summary>The <see cref="Citation.SupportBasis"/> of a citation the passage supports in meaning only (a paraphrase).</summary>
    public const string MeaningBasis = "meaning";

    /// <summary>The quote windows of passage texts, memoized: passages are cited again and again.</summary>
    private static readonly TextMemo<IReadOnlyList<Window>> WindowsOf = new(Windows, maxCharacters: 2_000_000);

    /// <summary>
    /// Verifies <paramref name="answer"/> against <paramref name="sources"/> (marker n is <c>sources[n-1]</c>).
    /// <paramref name="similarity"/>, when given, measures paraphrase (sentence embeddings); its failures propagate.
    /// </summary>
    public async Task<CitationResult> VerifyAsync(
        string tenantId,
        string answer,
        IReadOnlyList<RetrievedPassage> sources,
        SemanticSimilarity? similarity = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(sources);
        var sentences = SplitAnswer(answer);
        var evidence = new Dictionary<int, List<(string Sentence, Window Quote, double Support, string Basis)>>();
        var removed = new List<RemovedCitation>();
        var citing = 0;
        var supported = 0;
        var rewritten = new List<string>();

        foreach (var sentence in sentences)
        {
            var markers = Marker().Matches(sentence);
            if (markers.Count == 0)
            {
                rewritten.Add(sentence);
                continue;
            }

            citing++;
            var claim = Marker().Replace(sentence, "").Trim();
            var claimTerms = LexicalSimilarity.TermSet(claim);
            var kept = new List<int>();
            var allKept = true;
            foreach (var number in markers.SelectMany(m => Numbers(m.Value)).Distinct())
            {
                if (number < 1 || number > sources.Count)
                {
                    removed.Add(new RemovedCitation(number, claim, 0, $"[{number}] names no source (there are {sources.Count})."));
                    allKept = false;
                    continue;
                }

                var candidates = WindowsOf.Get(sources[number - 1].Text);
                var (best, lexical) = BestWindow(claimTerms, candidates);
                var support = lexical;
                string? basis = best is not null && lexical >= minimumSupport ? WordsBasis : null;
                if (basis is null && similarity is not null && candidates.Count > 0)
                {
                    // Not in so many words: is a sentence of the passage saying the same thing differently?
                    var cosines = await similarity.ToQueryAsync(claim, candidates.Select(w => w.Text), cancellationToken);
                    var closest = candidates.Where(w => cosines.ContainsKey(w.Text)).MaxBy(w => cosines[w.Text]);
                    if (closest is not null)
                    {
                        var cosine = cosines[closest.Text];
                        support = Math.Max(lexical, cosine);
                        if (cosine >= ParaphraseCosine)
                        {
                            (best, basis) = (closest, MeaningBasis);
                        }
                    }
                }

                support = Math.Round(support, 4);
                if (best is null || basis is null)
                {
                    removed.Add(new RemovedCitation(number, claim, support,
                        $"[{number}] {sources[number - 1].DocumentName} supports only {support.ToString("0.00", CultureInfo.InvariantCulture)} of the sentence (threshold {minimumSupport.ToString("0.00", CultureInfo.InvariantCulture)} in words"
                        + (similarity is null ? ")." : $", {ParaphraseCosine.ToString("0.00", CultureInfo.InvariantCulture)} in meaning).")));
                    allKept = false;
                    continue;
                }

                kept.Add(number);
                if (!evidence.TryGetValue(number, out var list))
                {
                    evidence[number] = list = [];
                }

                list.Add((claim, best, support, basis));
            }

            if (allKept)
            {
                supported++;
            }

            rewritten.Add(RemoveMarkers(sentence, kept));
        }

        var citations = evidence.OrderBy(e => e.Key).Select(e => ToCitation(tenantId, e.Key, sources[e.Key - 1], e.Value)).ToList();
        var rate = citing == 0 ? 1.0 : Math.Round((double)supported / citing, 4);
        return new CitationResult(string.Join(' ', rewritten), citations, removed, rate);
    }

    /// <summary>The sentence with every marker reduced to the <paramref name="kept"/> numbers, in its own style ("name [1]." or "name. [1]").</summary>
    private static string RemoveMarkers(string sentence, List<int> kept)
    {
        var rewritten = Marker().Replace(sentence, match =>
        {
            var numbers = Numbers(match.Value).Where(kept.Contains).ToList();
            return numbers.Count == 0 ? "" : string.Concat(numbers.Select(n => $"[{n.ToString(CultureInfo.InvariantCulture)}]"));
        });
        return SpaceBeforePunctuation().Replace(MultipleSpaces().Replace(rewritten, " "), "$1").Trim();
    }

    /// <summary><c>[R-intro.pdf, p. 14]</c>; <c>[file, heading]</c> without pages; <c>[file]</c> without either.</summary>
    public static string Display(string documentName, int? page, string headingPath)
    {
        if (page is { } p)
        {
            return $"[{documentName}, p. {p.ToString(CultureInfo.InvariantCulture)}]";
        }

        return headingPath.Length > 0 ? $"[{documentName}, {headingPath}]" : $"[{documentName}]";
    }

    private static Citation ToCitation(string tenantId, int number, RetrievedPassage source, List<(string Sentence, Window Quote, double Support, string Basis)> uses)
    {
        var chunk = source.ToChunk(tenantId);
        var quotes = uses
            .Select(u => u.Quote)
            .DistinctBy(w => w.Text, StringComparer.Ordinal)
            .OrderBy(w => w.Start)
            .Select(w => new CitationQuote(w.Text, ChunkSpans.TryLocate(chunk, w.Text, out var located) ? located : null))
            .ToList();
        var span = quotes[0].Span;
        int? page = span is { Page: > 0 } s ? s.Page : source.Pages.Count > 0 ? source.Pages[0] : null;
        return new Citation
        {
            Number = number,
            Display = Display(source.DocumentName, page, source.HeadingPath),
            DocumentId = source.DocumentId,
            DocumentName = source.DocumentName,
            ChunkId = source.ChunkId,
            Pages = source.Pages,
            Page = page,
            HeadingPath = source.HeadingPath,
            Quote = string.Join(" … ", quotes.Select(q => q.Text)),
            QuoteSpan = span,
            Quotes = quotes,
            Support = uses.Min(u => u.Support),
            SupportBasis = uses.All(u => u.Basis == WordsBasis) ? WordsBasis : uses.All(u => u.Basis == MeaningBasis) ? MeaningBasis : $"{WordsBasis}+{MeaningBasis}",
        };
    }

    private static (Window? Best, double Coverage) BestWindow(IReadOnlySet<string> claimTerms, IReadOnlyList<Window> windows)
    {
        Window? best = null;
        var bestCoverage = -1.0;
        foreach (var window in windows)
        {
            var coverage = LexicalSimilarity.Coverage(claimTerms, window.Terms);
            // Prefer the shorter window on ties: a single sentence over a pair.
            if (coverage > bestCoverage + 1e-9)
            {
                best = window;
                bestCoverage = coverage;
            }
        }

        return (best, Math.Max(0, bestCoverage));
    }

    /// <summary>Every prose or code sentence of the passage, and every pair of adjacent ones.</summary>
    private static List<Window> Windows(string text)
    {
        var segments = SentenceSplitter.Split(text).Where(s => s.Kind != SegmentKind.Heading).ToList();
        var windows = new List<Window>(segments.Count * 2);
        foreach (var segment in segments)
        {
            windows.Add(new Window(segment.Text, segment.Start, LexicalSimilarity.Terms(segment.Text)));
        }

        for (var i = 0; i + 1 < segments.Count; i++)
        {
            var pair = $"{segments[i].Text} {segments[i + 1].Text}";
            windows.Add(new Window(pair, segments[i].Start, LexicalSimilarity.Terms(pair)));
        }

        return windows;
    }

    /// <summary>The answer's sentences, each with the markers that follow it.</summary>
    internal static List<string> SplitAnswer(string answer)
    {
        var sentences = new List<string>();
        var start = 0;
        foreach (Match boundary in AnswerSentenceEnd().Matches(answer))
        {
            var end = boundary.Index + boundary.Length;
            sentences.Add(answer[start..end].Trim());
            start = end;
        }

        if (start < answer.Length && answer[start..].Trim().Length > 0)
        {
            sentences.Add(answer[start..].Trim());
        }

        return sentences;
    }

    private static IEnumerable<int> Numbers(string marker) =>
        marker.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => int.Parse(n, NumberStyles.None, CultureInfo.InvariantCulture));

    private sealed record Window(string Text, int Start, IReadOnlySet<string> Terms);

    [GeneratedRegex(@"\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")]
    private static partial Regex Marker();

    [GeneratedRegex(@" {2,}")]
    private static partial Regex MultipleSpaces();

    [GeneratedRegex(@"\s+([.!?,;:])(?=\s|$)")]
    private static partial Regex SpaceBeforePunctuation();

    // A sentence ends after its terminator and the markers that follow it, or after markers that end a clause
    // ("… [2] Next …"), before whitespace and a capital or the end. A terminator followed by markers ends one whatever
    // comes next: quoted sentences may begin in lower case ("… directory. [1] the user's HOME directory … [2]").
    [GeneratedRegex(@"[.!?](?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+(?=\s|$)|(?:[.!?](?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*|\[\d{1,3}(?:\s*,\s*\d{1,3})*\](?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*)(?=\s+[A-Z0-9“""‘(]|\s*$)")]
    private static partial Regex AnswerSentenceEnd();
}
