using System.Text;
using AgentRag.Retrieval.Analysis;
using AgentRag.Storage.Sqlite;

namespace AgentRag.Retrieval.Benchmarks;

/// <summary>A chunk ranked by SQLite FTS5: its id and the <c>bm25()</c> value (lower is better, so it is negated here: higher is better).</summary>
public readonly record struct Fts5Hit(string Id, double Score);

/// <summary>
/// SQLite FTS5 over the same chunks as our BM25 engine, as a benchmark baseline and a correctness oracle: one FTS5 table
/// with the <c>porter unicode61</c> tokenizer (Porter stemming, Unicode word tokens, case-folded), ranked by FTS5's
/// <c>bm25()</c> (k1 = 1.2, b = 0.75, fixed). Free-text queries become an OR of their quoted words minus Lucene's
/// English stopwords (FTS5 has no stopword list), so both engines see the same bag of words. Not thread-safe.
/// </summary>
public sealed class Fts5Baseline : IDisposable
{
    private readonly SqliteConnection _connection;

    /// <param name="path">Database file to create (it must not exist), or <c>:memory:</c>.</param>
    public Fts5Baseline(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path != ":memory:" && File.Exists(path))
        {
            throw new IOException($"FTS5 baseline database '{path}' already exists; give a new path.");
        }

        _connection = SqliteConnection.Open(path);
        _connection.ExecuteScript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; " +
            "CREATE VIRTUAL TABLE chunks USING fts5(id UNINDEXED, body, tokenize = 'porter unicode61');");
    }

    public int Count { get; private set; }

    /// <summary>Adds chunks in one transaction per 10,000.</summary>
    public void Add(IEnumerable<(string Id, string Text)> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        using var enumerator = chunks.GetEnumerator();
        var more = enumerator.MoveNext();
        while (more)
        {
            using var transaction = _connection.BeginTransaction();
            using (var insert = _connection.Prepare("INSERT INTO chunks(id, body) VALUES (?1, ?2)"))
            {
                for (var i = 0; i < 10_000 && more; i++, more = enumerator.MoveNext())
                {
                    insert.Reset();
                    insert.Bind(1, enumerator.Current.Id).Bind(2, enumerator.Current.Text);
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
    public IReadOnlyList<Fts5Hit> Search(string query, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var match = ToMatchExpression(query);
        if (match is null)
        {
            return [];
        }

        using var statement = _connection.Prepare("SELECT id, bm25(chunks) FROM chunks WHERE chunks MATCH ?1 ORDER BY bm25(chunks) LIMIT ?2");
        statement.Bind(1, match).Bind(2, k);
        var hits = new List<Fts5Hit>(k);
        while (statement.Step())
        {
            hits.Add(new Fts5Hit(statement.GetString(0), -statement.GetDouble(1)));
        }

        return hits;
    }

    /// <summary>The FTS5 MATCH expression for a free-text query: its distinct words (letters and digits), minus stopwords, quoted and OR-ed.</summary>
    public static string? ToMatchExpression(string query)
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
                if (!EnglishStopWords.Contains(word) && seen.Add(word))
                {
                    words.Add('"' + word + '"');
                }
            }
        }

        return words.Count == 0 ? null : string.Join(" OR ", words);
    }

    public void Dispose() => _connection.Dispose();
}
