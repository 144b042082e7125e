using AgentRag.Core.Benchmarks;
using Lucene.Net.Analysis.En;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace AgentRag.Benchmarks.Peers;

/// <summary>
/// Lucene.NET 4.8 (the engine family behind Elasticsearch, OpenSearch and Solr) as a peer of our BM25 engine, configured
/// as Anserini's BEIR baselines are: <see cref="EnglishAnalyzer"/> (standard tokenizer, English possessives, Lucene's
/// English stopwords, Porter stemming) on one <c>body</c> field, <see cref="BM25Similarity"/>(0.9, 0.4), and free-text
/// queries through the classic <see cref="QueryParser"/> (escaped, default OR), so both engines see the same bag of words.
/// The index lives on disk in the folder it is given (memory-mapped, as Lucene is deployed; after indexing the files are
/// in the page cache, so queries run warm). Single use and not thread-safe.
/// </summary>
public sealed class LuceneBaseline : IKeywordBaseline
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string IdField = "id";
    private const string BodyField = "body";

    private readonly FSDirectory _directory;
    private readonly EnglishAnalyzer _analyzer = new(Version);
    private readonly BM25Similarity _similarity = new(0.9f, 0.4f);
    private readonly IndexWriter _writer;
    private readonly QueryParser _parser;
    private DirectoryReader? _reader;
    private IndexSearcher? _searcher;

    /// <param name="path">Folder to create the index in; it must not exist yet.</param>
    /// <param name="ramBufferMegabytes">Indexing buffer: Lucene flushes a segment each time it fills.</param>
    public LuceneBaseline(string path, double ramBufferMegabytes = 256)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ramBufferMegabytes);
        if (System.IO.Directory.Exists(path) || File.Exists(path))
        {
            throw new IOException($"Lucene index folder '{path}' already exists; give a new path.");
        }

        _directory = FSDirectory.Open(path);
        _writer = new IndexWriter(_directory, new IndexWriterConfig(Version, _analyzer)
        {
            Similarity = _similarity,
            OpenMode = OpenMode.CREATE,
            RAMBufferSizeMB = ramBufferMegabytes,
        });
        _parser = new QueryParser(Version, BodyField, _analyzer) { DefaultOperator = Operator.OR };
    }

    public int Count { get; private set; }

    /// <summary>Adds texts, reusing one document and its fields as Lucene's indexing guide advises.</summary>
    public void Add(IEnumerable<(string Id, string Text)> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var id = new StringField(IdField, string.Empty, Field.Store.YES);
        var body = new TextField(BodyField, string.Empty, Field.Store.NO);
        var document = new Document { id, body };
        foreach (var (key, text) in texts)
        {
            id.SetStringValue(key);
            body.SetStringValue(text);
            _writer.AddDocument(document);
            Count++;
        }
    }

    /// <summary>Commits the index and opens a searcher on it; the segments stay as Lucene's merge policy left them (no force-merge).</summary>
    public void Optimize()
    {
        _writer.Commit();
        _reader?.Dispose();
        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = _similarity };
    }

    /// <summary>The best <paramref name="k"/> texts for the free-text <paramref name="query"/>; call <see cref="Optimize"/> first.</summary>
    public IReadOnlyList<BaselineHit> Search(string query, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var searcher = _searcher ?? throw new InvalidOperationException("Call Optimize before searching the Lucene baseline.");
        var parsed = _parser.Parse(QueryParserBase.Escape(query));
        var top = searcher.Search(parsed, k);
        var hits = new List<BaselineHit>(top.ScoreDocs.Length);
        foreach (var scoreDoc in top.ScoreDocs)
        {
            hits.Add(new BaselineHit(searcher.Doc(scoreDoc.Doc).Get(IdField), scoreDoc.Score));
        }

        return hits;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _writer.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }
}
