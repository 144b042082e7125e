using AgentRag.Core.Search;

namespace AgentRag.Retrieval.Keyword;

public sealed partial class Bm25Index
{
    /// <summary>
    /// RM3 as Anserini implements it: each feedback document's term-frequency vector (terms of 2–20 characters of
    /// [a-z0-9], in at most 10% of the documents) is cut to its top terms and L1-normalized; the relevance model
    /// weighs each term by the documents' BM25 scores, keeps the top terms, is L1-normalized, and is interpolated
    /// with the L1-normalized original query.
    /// </summary>
    private CompiledQuery ExpandWithRm3(CompiledQuery query, List<(float Score, int Ordinal)> feedback, Rm3Options options)
    {
        if (feedback.Count == 0)
        {
            return query;
        }

        var documentCount = _liveNonEmpty;
        var relevance = new Dictionary<int, float>();
        foreach (var (score, ordinal) in feedback)
        {
            var sequence = new int[_lengths[ordinal]];
            ReadForward(ordinal, sequence);
            var counts = new Dictionary<int, int>();
            foreach (var term in sequence)
            {
                if (IsFeedbackTerm(term, documentCount, options))
                {
                    counts[term] = counts.GetValueOrDefault(term) + 1;
                }
            }

            var top = counts
                .OrderByDescending(c => c.Value)
                .ThenBy(c => _terms[c.Key], StringComparer.Ordinal)
                .Take(options.FeedbackTerms)
                .ToList();
            var norm = (float)top.Sum(c => c.Value);
            if (norm <= 0.001f)
            {
                continue;
            }

            foreach (var (term, count) in top)
            {
                relevance[term] = relevance.GetValueOrDefault(term) + (count / norm * score);
            }
        }

        var model = relevance
            .OrderByDescending(r => r.Value)
            .ThenBy(r => _terms[r.Key], StringComparer.Ordinal)
            .Take(options.FeedbackTerms)
            .ToList();
        var modelNorm = model.Sum(r => r.Value);
        var queryNorm = query.Boosts.Sum();
        var weights = new Dictionary<int, float>();
        var order = new List<int>();
        for (var i = 0; i < query.ScoringTerms.Length; i++)
        {
            weights[query.ScoringTerms[i]] = options.OriginalQueryWeight * query.Boosts[i] / queryNorm;
            order.Add(query.ScoringTerms[i]);
        }

        if (modelNorm > 0)
        {
            foreach (var (term, weight) in model)
            {
                if (!weights.ContainsKey(term))
                {
                    order.Add(term);
                }

                weights[term] = weights.GetValueOrDefault(term) + ((1 - options.OriginalQueryWeight) * weight / modelNorm);
            }
        }

        var scoring = order.Where(t => weights[t] > 0).ToArray();
        var referenced = new HashSet<int>(query.ReferencedTerms);
        referenced.UnionWith(scoring);
        return new CompiledQuery(scoring, scoring.Select(t => weights[t]).ToArray(), query.Predicate, referenced);
    }

    private bool IsFeedbackTerm(int term, int documentCount, Rm3Options options)
    {
        var text = _terms[term];
        if (text.Length is < 2 or > 20)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                return false;
            }
        }

        return (float)_postings[term].LiveDocFreq / documentCount <= options.MaxDocumentFrequencyRatio;
    }
}
