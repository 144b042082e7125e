using System.Collections.Frozen;
using System.Text;
using AgentRag.Core.Benchmarks;

namespace AgentRag.Storage.Sqlite.Benchmarks;

/// <summary>
/// SQLite FTS5 over the same chunks as our BM25 engine, as a benchmark baseline and a correctness oracle: one FTS5 table
/// with the <c>porter unicode61</c> tokenizer (Porter stemming, Unicode word tokens, case-folded), ranked by FTS5's
/// <c>bm25()</c> (k1 = 1.2, b = 0.75, fixed), whose value (lower is better) is negated in <see cref="BaselineHit.Score"/>.
/// Free-text queries become an OR of their quoted words minus the given stopwords (FTS5 has no stopword list; pass the
/// compared engine's, e.g. Lucene's English list), so both engines see the same bag of words. Not thread-safe.
/// </summary>
public sealed class Fts5Baseline : IKeywordBaseline
{
    private readonly SqliteConnection _connection;
    private readonly FrozenSet<string> _stopWords;

    /// <param name="path">Database file to create (it must not exist), or <c>:memory:</c>.</param>
    /// <param name="stopWords">Lower-case words left out of free-text queries.</param>
    public Fts5Baseline(string path, IEnumerable<string> stopWords)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(stopWords);
        if (path != ":memory:" && File.Exists(path))
        {
            throw new IOException($"FTS5 baseline database '{path}' already exists; give a new path.");
        }

        _stopWords = stopWords.ToFrozenSet(StringComparer.Ordinal);
        _connection = SqliteConnection.Open(path);
        _connection.ExecuteScript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; " +
            "CREATE VIRTUAL TABLE chunks USING fts5(id UNINDEXED, body, tokenize = 'porter unicode61');");
    }

    public int Count { get; private set; }

    /// <summary>Adds texts in one transaction per 10,000.</summary>
    public void Add(IEnumerable<(string Id, string Text)> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        using var enumerator = texts.GetEnumerator();
        var more = enumerator.MoveNext();
        while (more)
        {
            using var transaction = _connection.BeginTransaction();
            using (var insert = _connection.Prepare("INSERT INTO chunks(id, body) VALUES (@id, @body)"))
            {
                for (var i = 0; i < 10_000 && more; i++, more = enumerator.MoveNext())
                {
                    insert.Reset();
                    insert.Bind("@id", enumerator.Current.Id).Bind("@body", enumerator.Current.Text);
                    insert.Execute();
                    Count++;
                }
            }

            transaction.Commit();
        }
    }

    /// <summary>Merges the index's segments into one, as a built index would be before it is queried.</summary>
    public void Optimize() => _connection.Execute("INSERT INTO chunks(chunks) VALUES ('optimize')");

    /// <summary>The best <paramref name="k"/> chunks for the free-text <paramref name="query"/> by FTS5's <c>bm25()</c>; empty when no word is left.</summary>
    public IReadOnlyList<BaselineHit> Search(string query, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var match = ToMatchExpression(query);
        if (match is null)
        {
            return [];
        }

        using var statement = _connection.Prepare("SELECT id, bm25(chunks) FROM chunks WHERE chunks MATCH @match ORDER BY bm25(chunks) LIMIT @k");
        statement.Bind("@match", match).Bind("@k", k);
        var hits = new List<BaselineHit>(k);
        while (statement.Step())
        {
            hits.Add(new BaselineHit(statement.GetString(0), -statement.GetDouble(1)));
        }

        return hits;
    }

    /// <summary>The FTS5 MATCH expression for a free-text query: its distinct words (letters and digits), minus stopwords, quoted and OR-ed.</summary>
    public string? ToMatchExpression(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = new StringBuilder();
        foreach (var c in query + " ")
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
                continue;
            }

            if (current.Length > 0)
            {
                var word = current.ToString();
                current.Clear();
                if (!_stopWords.Contains(word) && seen.Add(word))
                {
                    words.Add('"' + word + '"');
                }
            }
        }

        return words.Count == 0 ? null : string.Join(" OR ", words);
    }

    public void Dispose() => _connection.Dispose();
}
