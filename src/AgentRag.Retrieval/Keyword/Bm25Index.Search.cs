using AgentRag.Core.Search;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Keyword;

public sealed partial class Bm25Index
{
    /// <summary>
    /// Relative slack per query term added to upper bounds of sums, so the rounding of a float sum never prunes a
    /// document that ties or wins. A single term's bound is computed exactly as its score and needs none, which
    /// lets blocks whose best score only ties the k-th be skipped.
    /// </summary>
    private const double SumSlackPerTerm = 2.5e-7;

    /// <summary>
    /// Returns the top <paramref name="k"/> chunks for <paramref name="query"/>, best first (ties: earlier-indexed
    /// chunk first), with MaxScore and block-max pruning. <paramref name="allowedDocumentIds"/>, when given,
    /// restricts hits to those documents. The ranking equals <see cref="SearchExhaustive"/>'s.
    /// </summary>
    public IReadOnlyList<KeywordHit> Search(KeywordQuery query, int k, IReadOnlySet<string>? allowedDocumentIds = null, Rm3Options? rm3 = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _lock.EnterReadLock();
        try
        {
            var compiled = Compile(query);
            var allowed = ResolveGroups(allowedDocumentIds);
            if (rm3 is not null)
            {
                rm3.Validate();
                var feedback = Run(compiled, rm3.FeedbackDocs, allowed, exhaustive: false);
                compiled = ExpandWithRm3(compiled, feedback, rm3);
            }

            return ToHits(Run(compiled, k, allowed, exhaustive: false));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Returns the top <paramref name="k"/> chunks of this index for <paramref name="query"/> scored with the collection
    /// statistics <paramref name="statistics"/> (the sum of every partition's <see cref="GetStatistics"/>) instead of this
    /// index's own: one partition's share of a scatter-gather whose merged ranking and scores equal one index's over all
    /// partitions (<see cref="Bm25Partitions"/>). A query term missing from <paramref name="statistics"/> is scored with
    /// this index's own df. Otherwise as <see cref="Search(KeywordQuery, int, IReadOnlySet{string}, Rm3Options)"/>, without RM3.
    /// </summary>
    public IReadOnlyList<KeywordHit> Search(KeywordQuery query, int k, Bm25Statistics statistics, IReadOnlySet<string>? allowedDocumentIds = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _lock.EnterReadLock();
        try
        {
            return ToHits(Run(Compile(query), k, ResolveGroups(allowedDocumentIds), exhaustive: false, statistics));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Scores every live chunk without pruning. The reference for <see cref="Search(KeywordQuery, int, IReadOnlySet{string}, Rm3Options)"/>; slow on large indexes.</summary>
    public IReadOnlyList<KeywordHit> SearchExhaustive(KeywordQuery query, int k, IReadOnlySet<string>? allowedDocumentIds = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _lock.EnterReadLock();
        try
        {
            return ToHits(Run(Compile(query), k, ResolveGroups(allowedDocumentIds), exhaustive: true));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The analyzed terms of a live chunk with their frequencies, or null for an unknown chunk id.</summary>
    public IReadOnlyDictionary<string, int>? GetTermVector(string chunkId)
    {
        _lock.EnterReadLock();
        try
        {
            if (!_chunkOrdinals.TryGetValue(chunkId, out var ordinal))
            {
                return null;
            }

            var terms = new int[_lengths[ordinal]];
            ReadForward(ordinal, terms);
            return terms.GroupBy(t => _terms[t]).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private bool[]? ResolveGroups(IReadOnlySet<string>? allowedDocumentIds)
    {
        if (allowedDocumentIds is null)
        {
            return null;
        }

        var allowed = new bool[_groupNames.Count];
        foreach (var id in allowedDocumentIds)
        {
            if (_groupIds.TryGetValue(id, out var group))
            {
                allowed[group] = true;
            }
        }

        return allowed;
    }

    private List<KeywordHit> ToHits(List<(float Score, int Ordinal)> ranked) =>
        ranked.ConvertAll(r => new KeywordHit(_chunkIds[r.Ordinal], _groupNames[_chunkGroup[r.Ordinal]], r.Score));

    // ---- Query compilation -------------------------------------------------------------------------

    private CompiledQuery Compile(KeywordQuery query)
    {
        var boosts = new Dictionary<int, float>();
        var order = new List<int>();
        var referenced = new HashSet<int>();
        var predicate = query.Root is null ? null : CompileNode(query.Root, negated: false, boosts, order, referenced);
        if (predicate is null || IsPureDisjunction(query.Root!))
        {
            predicate = null;
        }

        var scoring = order.ToArray();
        return new CompiledQuery(scoring, scoring.Select(t => boosts[t]).ToArray(), predicate, referenced);
    }

    private MatchNode? CompileNode(QueryNode node, bool negated, Dictionary<int, float> boosts, List<int> order, HashSet<int> referenced)
    {
        switch (node)
        {
            case TermNode term:
            {
                var ids = AnalyzeToIds(term.Text, negated, boosts, order, referenced);
                return ids.Length switch
                {
                    0 => null,
                    1 => new TermMatch(ids[0]),
                    _ => new AnyMatch(ids),
                };
            }

            case PhraseNode phrase:
            {
                var ids = AnalyzeToIds(phrase.Text, negated, boosts, order, referenced);
                var positions = _analyzer.AnalyzeWithPositions(phrase.Text);
                return ids.Length switch
                {
                    0 => null,
                    1 => new TermMatch(ids[0]),
                    _ => new PhraseMatch(ids, positions.Select(p => p.Position - positions[0].Position).ToArray()),
                };
            }

            case BooleanNode boolean:
            {
                List<MatchNode> should = [], must = [], mustNot = [];
                foreach (var clause in boolean.Clauses)
                {
                    var child = CompileNode(clause.Node, negated ^ (clause.Occur == Occur.MustNot), boosts, order, referenced);
                    if (child is null)
                    {
                        continue; // a clause of stopwords only drops out, as in Lucene
                    }

                    (clause.Occur switch { Occur.Must => must, Occur.MustNot => mustNot, _ => should }).Add(child);
                }

                return should.Count + must.Count + mustNot.Count == 0 ? null : new BoolMatch([.. should], [.. must], [.. mustNot]);
            }

            default:
                throw new ArgumentException($"Unsupported query node {node.GetType().Name}.", nameof(node));
        }
    }

    /// <summary>Analyzes text into term ids (−1 for terms absent from the index) and, unless negated, adds them to the scored terms.</summary>
    private int[] AnalyzeToIds(string text, bool negated, Dictionary<int, float> boosts, List<int> order, HashSet<int> referenced)
    {
        var terms = _analyzer.Analyze(text);
        var ids = new int[terms.Count];
        for (var i = 0; i < terms.Count; i++)
        {
            ids[i] = _terms.TryGetId(terms[i], out var id) ? id : -1;
            referenced.Add(ids[i]);
            if (!negated && ids[i] >= 0)
            {
                // Repeated query terms weigh more, like Anserini's bag-of-words boosts.
                if (boosts.TryGetValue(ids[i], out var boost))
                {
                    boosts[ids[i]] = boost + 1;
                }
                else
                {
                    boosts[ids[i]] = 1;
                    order.Add(ids[i]);
                }
            }
        }

        return ids;
    }

    private static bool IsPureDisjunction(QueryNode node) => node switch
    {
        TermNode => true,
        BooleanNode b => b.Clauses.All(c => c.Occur == Occur.Should && IsPureDisjunction(c.Node)),
        _ => false,
    };

    // ---- Retrieval -----------------------------------------------------------------------------------

    private List<(float Score, int Ordinal)> Run(CompiledQuery query, int k, bool[]? allowedGroups, bool exhaustive, Bm25Statistics? statistics = null)
    {
        var top = new TopK(k);
        var n = query.ScoringTerms.Length;
        if (n == 0 || _liveNonEmpty == 0)
        {
            return top.ToList();
        }

        var scorer = new Scorer(this, query, statistics);
        var context = new MatchContext(this, query);
        if (exhaustive)
        {
            RunExhaustive(query, scorer, context, top, allowedGroups);
        }
        else
        {
            RunMaxScore(query, scorer, context, top, allowedGroups);
        }

        return top.ToList();
    }

    private void RunExhaustive(CompiledQuery query, Scorer scorer, MatchContext context, TopK top, bool[]? allowedGroups)
    {
        var n = query.ScoringTerms.Length;
        var cursors = query.ScoringTerms.Select(t => new PostingCursor(_postings[t])).ToArray();
        for (var d = 0; d < _chunkCount; d++)
        {
            if (_deleted[d] || (allowedGroups is not null && !allowedGroups[_chunkGroup[d]]))
            {
                continue;
            }

            context.Reset(d);
            var any = false;
            for (var i = 0; i < n; i++)
            {
                cursors[i].Advance(d);
                if (cursors[i].Doc == d)
                {
                    context.Contributions[i] = scorer.Score(i, cursors[i].Tf, d);
                    context.Present[i] = true;
                    any = true;
                }
            }

            if (any && (query.Predicate is null || query.Predicate.Matches(context)))
            {
                top.Offer(context.Sum(), d);
            }
        }
    }

    private void RunMaxScore(CompiledQuery query, Scorer scorer, MatchContext context, TopK top, bool[]? allowedGroups)
    {
        var n = query.ScoringTerms.Length;
        var cursors = query.ScoringTerms.Select(t => new PostingCursor(_postings[t])).ToArray();
        var slack = n == 1 ? 1.0 : 1 + (n * SumSlackPerTerm);
        var upper = new double[n];
        for (var i = 0; i < n; i++)
        {
            var list = _postings[query.ScoringTerms[i]];
            upper[i] = Math.Max(scorer.Bound(i, list.TermImpacts), scorer.Bound(i, list.TailImpact)) * slack;
        }

        // Terms by ascending upper bound; prefix[j] bounds any document that only has terms sorted[0..j].
        var sorted = Enumerable.Range(0, n).OrderBy(i => upper[i]).ToArray();
        var prefix = new double[n];
        for (var j = 0; j < n; j++)
        {
            prefix[j] = (j > 0 ? prefix[j - 1] : 0) + upper[sorted[j]];
        }

        var blockCache = new int[n];
        var blockBound = new double[n];
        var nonEssentialBound = new double[n];
        Array.Fill(blockCache, -1);
        var threshold = float.NegativeInfinity;
        var firstEssential = 0;
        var windowEnd = -1;
        while (true)
        {
            var d = PostingCursor.NoMoreDocs;
            for (var j = firstEssential; j < n; j++)
            {
                d = Math.Min(d, cursors[sorted[j]].Doc);
            }

            if (d == PostingCursor.NoMoreDocs)
            {
                break;
            }

            // Block-max: skip a window of documents whose best possible score cannot enter the top k.
            if (top.IsFull && d > windowEnd)
            {
                windowEnd = int.MaxValue;
                var bound = firstEssential > 0 ? prefix[firstEssential - 1] : 0;
                for (var j = firstEssential; j < n; j++)
                {
                    var i = sorted[j];
                    var cursor = cursors[i];
                    if (cursor.Doc == PostingCursor.NoMoreDocs)
                    {
                        continue;
                    }

                    if (blockCache[i] != cursor.Block)
                    {
                        blockCache[i] = cursor.Block;
                        blockBound[i] = scorer.Bound(i, cursor.List.BlockImpacts(cursor.Block)) * slack;
                    }

                    bound += blockBound[i];
                    windowEnd = Math.Min(windowEnd, cursor.List.BlockLastDoc(cursor.Block));
                }

                if (bound <= threshold)
                {
                    // Skip the window without decoding: the cursors only learn which block they are in.
                    var target = windowEnd == int.MaxValue ? int.MaxValue : windowEnd + 1;
                    for (var j = firstEssential; j < n; j++)
                    {
                        cursors[sorted[j]].AdvanceShallow(target);
                    }

                    windowEnd = -1;
                    continue;
                }
            }

            // The window may hold a winner: decode the essential cursors so d is a real posting.
            var materialized = false;
            for (var j = firstEssential; j < n; j++)
            {
                var cursor = cursors[sorted[j]];
                if (!cursor.IsDecoded)
                {
                    cursor.Materialize();
                    materialized = true;
                }
            }

            if (materialized)
            {
                continue;
            }

            if (_deleted[d] || (allowedGroups is not null && !allowedGroups[_chunkGroup[d]]))
            {
                for (var j = firstEssential; j < n; j++)
                {
                    if (cursors[sorted[j]].Doc == d)
                    {
                        cursors[sorted[j]].Next();
                    }
                }

                continue;
            }

            context.Reset(d);
            var partial = 0f;
            for (var j = firstEssential; j < n; j++)
            {
                var i = sorted[j];
                var cursor = cursors[i];
                if (cursor.Doc == d)
                {
                    var value = scorer.Score(i, cursor.Tf, d);
                    context.Contributions[i] = value;
                    context.Present[i] = true;
                    partial += value;
                    cursor.Next();
                }
            }

            // Non-essential terms, largest bound first; each bounded by its block at d, which is tighter than its
            // term bound. Stop as soon as the document cannot beat the k-th score.
            var remaining = 0.0;
            for (var j = 0; j < firstEssential; j++)
            {
                var i = sorted[j];
                var cursor = cursors[i];
                cursor.AdvanceShallow(d);
                if (cursor.Doc == PostingCursor.NoMoreDocs || (cursor.IsDecoded && cursor.Doc != d))
                {
                    nonEssentialBound[j] = 0;
                    continue;
                }

                if (blockCache[i] != cursor.Block)
                {
                    blockCache[i] = cursor.Block;
                    blockBound[i] = scorer.Bound(i, cursor.List.BlockImpacts(cursor.Block)) * slack;
                }

                nonEssentialBound[j] = blockBound[i];
                remaining += blockBound[i];
            }

            var pruned = false;
            for (var j = firstEssential - 1; j >= 0; j--)
            {
                if (partial + remaining <= threshold)
                {
                    pruned = true;
                    break;
                }

                remaining -= nonEssentialBound[j];
                if (nonEssentialBound[j] == 0)
                {
                    continue;
                }

                var i = sorted[j];
                var cursor = cursors[i];
                cursor.Advance(d);
                if (cursor.Doc == d)
                {
                    var value = scorer.Score(i, cursor.Tf, d);
                    context.Contributions[i] = value;
                    context.Present[i] = true;
                    partial += value;
                }
            }

            if (pruned || (query.Predicate is not null && !query.Predicate.Matches(context)))
            {
                continue;
            }

            if (top.Offer(context.Sum(), d) && top.IsFull)
            {
                threshold = top.MinScore;
                while (firstEssential < n && prefix[firstEssential] <= threshold)
                {
                    firstEssential++;
                }
            }
        }
    }

    /// <summary>Lucene's BM25 scorer, in single precision like Lucene's.</summary>
    private sealed class Scorer
    {
        private readonly Bm25Index _index;
        private readonly float[] _weights;
        private readonly float[] _normInverseByNorm = new float[256];
        private readonly float _k1;
        private readonly float _b;
        private readonly float _averageLength;
        private readonly bool _quantized;

        /// <param name="statistics">The collection's statistics when this index is one partition of it; null: this index's own.</param>
        public Scorer(Bm25Index index, CompiledQuery query, Bm25Statistics? statistics)
        {
            _index = index;
            _k1 = index.Options.K1;
            _b = index.Options.B;
            _quantized = index.Options.LuceneLengthNorms;
            var documentCount = statistics?.Documents ?? index._liveNonEmpty;
            _averageLength = (float)((statistics?.Tokens ?? index._liveTokens) / (double)documentCount);
            _weights = new float[query.ScoringTerms.Length];
            for (var i = 0; i < _weights.Length; i++)
            {
                var term = query.ScoringTerms[i];
                var df = statistics?.DocumentFrequencies.TryGetValue(index._terms[term], out var global) == true ? global : index._postings[term].LiveDocFreq;
                var idf = (float)Math.Log(1 + ((documentCount - df + 0.5D) / (df + 0.5D)));
                _weights[i] = query.Boosts[i] * idf;
            }

            for (var i = 0; i < 256; i++)
            {
                _normInverseByNorm[i] = NormInverse(LengthNorms.DecodeTable[i]);
            }
        }

        private float NormInverse(int length) => 1f / (_k1 * ((1 - _b) + (_b * length / _averageLength)));

        public float Score(int term, int tf, int doc)
        {
            var normInverse = _quantized ? _normInverseByNorm[_index._norms[doc]] : NormInverse(_index._lengths[doc]);
            var weight = _weights[term];
            return weight - (weight / (1f + (tf * normInverse)));
        }

        /// <summary>
        /// An upper bound of the term's score over postings described by <paramref name="impacts"/>, flattened
        /// (tf, length) pairs such that every posting has tf ≤ and length ≥ those of some pair.
        /// </summary>
        /// <remarks>Uses the very float arithmetic of <see cref="Score"/>, which is monotone in tf and length, so the bound is exact.</remarks>
        public double Bound(int term, ReadOnlySpan<int> impacts)
        {
            var weight = _weights[term];
            var best = 0f;
            for (var p = 0; p + 1 < impacts.Length; p += 2)
            {
                var tf = impacts[p];
                if (tf == 0)
                {
                    continue;
                }

                var normInverse = _quantized ? _normInverseByNorm[LengthNorms.LengthToByte(impacts[p + 1])] : NormInverse(impacts[p + 1]);
                best = Math.Max(best, weight - (weight / (1f + (tf * normInverse))));
            }

            return best;
        }
    }

    /// <summary>Bounded min-heap of (score, ordinal); the worst entry is the lowest score, then the highest ordinal.</summary>
    private sealed class TopK(int k)
    {
        private readonly (float Score, int Ordinal)[] _heap = new (float, int)[k];
        private int _count;

        public bool IsFull => _count == k;

        public float MinScore => _heap[0].Score;

        /// <summary>Adds the candidate when it beats the worst entry. Ordinals arrive in increasing order, so a tie loses.</summary>
        public bool Offer(float score, int ordinal)
        {
            if (_count < k)
            {
                _heap[_count] = (score, ordinal);
                SiftUp(_count++);
                return true;
            }

            if (!Worse(_heap[0], (score, ordinal)))
            {
                return false;
            }

            _heap[0] = (score, ordinal);
            SiftDown(0);
            return true;
        }

        private static bool Worse((float Score, int Ordinal) a, (float Score, int Ordinal) b) =>
            a.Score < b.Score || (a.Score == b.Score && a.Ordinal > b.Ordinal);

        private void SiftUp(int i)
        {
            while (i > 0)
            {
                var parent = (i - 1) / 2;
                if (!Worse(_heap[i], _heap[parent]))
                {
                    break;
                }

                (_heap[i], _heap[parent]) = (_heap[parent], _heap[i]);
                i = parent;
            }
        }

        private void SiftDown(int i)
        {
            while (true)
            {
                var left = (2 * i) + 1;
                var smallest = i;
                if (left < _count && Worse(_heap[left], _heap[smallest]))
                {
                    smallest = left;
                }

                if (left + 1 < _count && Worse(_heap[left + 1], _heap[smallest]))
                {
                    smallest = left + 1;
                }

                if (smallest == i)
                {
                    return;
                }

                (_heap[i], _heap[smallest]) = (_heap[smallest], _heap[i]);
                i = smallest;
            }
        }

        public List<(float Score, int Ordinal)> ToList()
        {
            var list = _heap.AsSpan(0, _count).ToArray().ToList();
            list.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Ordinal.CompareTo(b.Ordinal));
            return list;
        }
    }

    // ---- Boolean matching ----------------------------------------------------------------------------

    private sealed record CompiledQuery(int[] ScoringTerms, float[] Boosts, MatchNode? Predicate, HashSet<int> ReferencedTerms);

    /// <summary>Per-candidate state: which scored terms are present, their contributions, and cursors for unscored terms.</summary>
    private sealed class MatchContext
    {
        private readonly Bm25Index _index;
        private readonly Dictionary<int, int> _scoringIndex = [];
        private readonly Dictionary<int, PostingCursor> _checkCursors = [];

        public MatchContext(Bm25Index index, CompiledQuery query)
        {
            _index = index;
            for (var i = 0; i < query.ScoringTerms.Length; i++)
            {
                _scoringIndex[query.ScoringTerms[i]] = i;
            }

            foreach (var term in query.ReferencedTerms)
            {
                if (term >= 0 && !_scoringIndex.ContainsKey(term))
                {
                    _checkCursors[term] = new PostingCursor(index._postings[term]);
                }
            }

            Contributions = new float[query.ScoringTerms.Length];
            Present = new bool[query.ScoringTerms.Length];
        }

        public int Doc { get; private set; }

        public float[] Contributions { get; }

        public bool[] Present { get; }

        public void Reset(int doc)
        {
            Doc = doc;
            Array.Clear(Contributions);
            Array.Clear(Present);
        }

        /// <summary>Sums the contributions in query-term order, so every strategy computes bit-identical scores.</summary>
        public float Sum()
        {
            var sum = 0f;
            foreach (var value in Contributions)
            {
                sum += value;
            }

            return sum;
        }

        public bool Has(int term)
        {
            if (term < 0)
            {
                return false;
            }

            if (_scoringIndex.TryGetValue(term, out var i))
            {
                return Present[i];
            }

            var cursor = _checkCursors[term];
            cursor.Advance(Doc);
            return cursor.Doc == Doc;
        }

        /// <summary>True when the terms occur at the given offsets from one another (Lucene's exact phrase).</summary>
        public bool HasPhrase(int[] terms, int[] offsets)
        {
            foreach (var term in terms)
            {
                if (!Has(term))
                {
                    return false;
                }
            }

            var length = _index._lengths[Doc];
            var sequence = new int[length];
            var positions = new int[length];
            _index.ReadForward(Doc, sequence, positions);
            for (var start = 0; start < length; start++)
            {
                if (sequence[start] != terms[0])
                {
                    continue;
                }

                var at = start;
                var matched = true;
                for (var j = 1; j < terms.Length && matched; j++)
                {
                    var target = positions[start] + offsets[j];
                    while (at < length && positions[at] < target)
                    {
                        at++;
                    }

                    matched = at < length && positions[at] == target && sequence[at] == terms[j];
                }

                if (matched)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private abstract class MatchNode
    {
        public abstract bool Matches(MatchContext context);
    }

    private sealed class TermMatch(int term) : MatchNode
    {
        public override bool Matches(MatchContext context) => context.Has(term);
    }

    private sealed class AnyMatch(int[] terms) : MatchNode
    {
        public override bool Matches(MatchContext context) => terms.Any(context.Has);
    }

    private sealed class PhraseMatch(int[] terms, int[] offsets) : MatchNode
    {
        public override bool Matches(MatchContext context) => context.HasPhrase(terms, offsets);
    }

    private sealed class BoolMatch(MatchNode[] should, MatchNode[] must, MatchNode[] mustNot) : MatchNode
    {
        public override bool Matches(MatchContext context)
        {
            foreach (var node in must)
            {
                if (!node.Matches(context))
                {
                    return false;
                }
            }

            foreach (var node in mustNot)
            {
                if (node.Matches(context))
                {
                    return false;
                }
            }

            return must.Length > 0 || should.Any(n => n.Matches(context));
        }
    }
}
