namespace AgentRag.Retrieval.Analysis;

/// <summary>
/// The English analysis chain Anserini uses by default for BEIR (Lucene's <c>EnglishAnalyzer</c> with the
/// Porter stemmer): <see cref="StandardTokenizer"/> → English possessive removal (<c>'s</c>, <c>’s</c>) →
/// lower case → <see cref="EnglishStopWords"/> removal → <see cref="PorterStemmer"/>.
/// Positions count removed stopwords, so phrase gaps stay visible. Immutable and thread-safe; the span
/// overload allocates nothing.
/// </summary>
public sealed class EnglishAnalyzer
{
    /// <summary>The full chain with stopwords and stemming, as used for indexing and queries.</summary>
    public static EnglishAnalyzer Default { get; } = new(removeStopWords: true, stem: true);

    public EnglishAnalyzer(bool removeStopWords, bool stem)
    {
        RemoveStopWords = removeStopWords;
        Stem = stem;
    }

    public bool RemoveStopWords { get; }

    public bool Stem { get; }

    /// <summary>Feeds each term of <paramref name="text"/> to <paramref name="sink"/> in order.</summary>
    public void Analyze<TSink>(ReadOnlySpan<char> text, ref TSink sink)
        where TSink : struct, ITermSink
    {
        Span<char> buffer = stackalloc char[(StandardTokenizer.MaxTokenLength * 2) + 2];
        var consumer = new Consumer<TSink>(text, buffer, ref sink, RemoveStopWords, Stem);
        StandardTokenizer.Tokenize(text, ref consumer);
    }

    /// <summary>Returns the terms of <paramref name="text"/> as strings (allocates; for queries and tests).</summary>
    public IReadOnlyList<string> Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new ListSink();
        Analyze(text.AsSpan(), ref sink);
        return sink.Terms;
    }

    /// <summary>Returns (term, position) pairs of <paramref name="text"/> (allocates; for queries and tests).</summary>
    public IReadOnlyList<(string Term, int Position)> AnalyzeWithPositions(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new ListSink();
        Analyze(text.AsSpan(), ref sink);
        return sink.Positions;
    }

    private struct ListSink() : ITermSink
    {
        public List<string> Terms { get; } = [];

        public List<(string, int)> Positions { get; } = [];

        public readonly void OnTerm(ReadOnlySpan<char> term, int position)
        {
            var s = term.ToString();
            Terms.Add(s);
            Positions.Add((s, position));
        }
    }

    private ref struct Consumer<TSink>(ReadOnlySpan<char> text, Span<char> buffer, ref TSink sink, bool removeStopWords, bool stem)
        : ITokenConsumer
        where TSink : struct, ITermSink
    {
        private readonly ReadOnlySpan<char> _text = text;
        private readonly Span<char> _buffer = buffer;
        private readonly ref TSink _sink = ref sink;
        private int _position;

        public void OnToken(int start, int length)
        {
            var position = _position++;
            var token = _text.Slice(start, length);
            token = StripPossessive(token);
            var lowered = RuneCasing.LowerInto(token, _buffer);
            var term = _buffer[..lowered];
            if (removeStopWords && EnglishStopWords.Contains(term))
            {
                return;
            }

            if (stem)
            {
                term = term[..PorterStemmer.Stem(term)];
            }

            _sink.OnTerm(term, position);
        }

        private static ReadOnlySpan<char> StripPossessive(ReadOnlySpan<char> token)
        {
            if (token.Length >= 2
                && token[^1] is 's' or 'S'
                && token[^2] is '\'' or '\u2019' or '\uFF07')
            {
                return token[..^2];
            }

            return token;
        }
    }
}
