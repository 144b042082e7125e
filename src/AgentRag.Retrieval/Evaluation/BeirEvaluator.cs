using System.Diagnostics;
using System.Text.Json.Serialization;
using AgentRag.Core.Documents;
using AgentRag.Core.Search;
using AgentRag.Models.Caching;
using AgentRag.Models.Configuration;
using AgentRag.Retrieval.Analysis;
using AgentRag.Retrieval.Dense;
using AgentRag.Retrieval.Fusion;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Vectors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Evaluation;

/// <summary>What <see cref="BeirEvaluator.EvaluateAsync"/> runs.</summary>
public sealed record BeirEvaluationRequest
{
    public required string DatasetDirectory { get; init; }

    public string Split { get; init; } = "test";

    /// <summary>Retrieval mode: <c>bm25</c>, or <c>dense</c> or <c>hybrid</c> (BM25 and dense fused by <see cref="Fusion"/>), which need an embedding model.</summary>
    public string Mode { get; init; } = "bm25";

    /// <summary>How <c>hybrid</c> fuses the two rankings: a <see cref="RankFusions"/> name (<c>rrf</c>, <c>minmax</c>), as the product's <c>AgentRag:Search:Fusion</c>.</summary>
    public string Fusion { get; init; } = RankFusions.MinMax;

    /// <summary>Query expansion: null for none, or RM3 settings.</summary>
    public Rm3Options? Rm3 { get; init; }

    /// <summary>
    /// Data folder to index into, which must hold no evaluation index yet (<see cref="BeirIndexNotEmptyException"/>);
    /// null uses a throwaway folder that is deleted afterwards.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Drop a hit whose id equals the query id, as BEIR's evaluator does (matters for ArguAna, Quora).</summary>
    public bool IgnoreIdenticalIds { get; init; } = true;

    /// <summary>Receives a line at each phase and every few percent of the corpus embedding (documents per second); null for none.</summary>
    public IProgress<string>? Progress { get; init; }
}

/// <summary>Scores of one query.</summary>
public sealed record BeirQueryResult(
    [property: JsonPropertyName("query_id")] string QueryId,
    [property: JsonPropertyName("ndcg@10")] double Ndcg10,
    [property: JsonPropertyName("mrr@10")] double Mrr10,
    [property: JsonPropertyName("recall@100")] double Recall100,
    [property: JsonPropertyName("p@5")] double P5,
    [property: JsonPropertyName("map@100")] double Map100,
    [property: JsonPropertyName("query_ms")] double QueryMilliseconds,
    [property: JsonPropertyName("top10")] IReadOnlyList<BeirHit> Top10);

public sealed record BeirHit([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("score")] float Score);

/// <summary>The outcome of a BEIR evaluation; serializes to the CLI's <c>--json</c> shape.</summary>
public sealed record BeirEvaluationReport(
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("expand")] string? Expand,
    [property: JsonPropertyName("fusion")] string? Fusion,
    [property: JsonPropertyName("queries")] int Queries,
    [property: JsonPropertyName("documents")] int Documents,
    [property: JsonPropertyName("ndcg@10")] double Ndcg10,
    [property: JsonPropertyName("mrr@10")] double Mrr10,
    [property: JsonPropertyName("recall@100")] double Recall100,
    [property: JsonPropertyName("p@5")] double P5,
    [property: JsonPropertyName("map@100")] double Map100,
    [property: JsonPropertyName("index_seconds")] double IndexSeconds,
    [property: JsonPropertyName("query_ms_p50")] double QueryMsP50,
    [property: JsonPropertyName("query_ms_p95")] double QueryMsP95,
    [property: JsonIgnore] IReadOnlyList<BeirQueryResult> PerQuery)
{
    /// <summary>Corpus documents whose embedding came from the persistent dataset cache (dense and hybrid; null in bm25 mode or without a cache).</summary>
    [JsonPropertyName("embeddings_cached")]
    public int? EmbeddingsCached { get; init; }

    /// <summary>
    /// In hybrid mode, nDCG@10 of each fused ranking on its own (<c>bm25</c>, <c>dense</c>) and of every fusion method
    /// (<c>fusion:rrf</c>, <c>fusion:minmax</c>) in the same run, so one corpus encoding gives every figure; null in the
    /// other modes.
    /// </summary>
    [JsonPropertyName("components_ndcg@10")]
    public IReadOnlyDictionary<string, double>? ComponentNdcg10 { get; init; }
}

/// <summary>
/// The embedding model and settings dense and hybrid evaluations use (the model layer's, as the product's search).
/// <paramref name="Cache"/> is the persistent cache the generator's caching decorator stores into, when there is one: the
/// evaluation only reads it, to say how many corpus embeddings it already holds.
/// </summary>
public sealed record BeirDenseModels(
    IEmbeddingGenerator<string, Embedding<float>> Generator, ModelCatalog Models, DenseRetrievalOptions Dense, VectorIndexOptions Vectors,
    IEmbeddingCache? Cache = null);

/// <summary>
/// Runs a BEIR-format dataset through the product's own indexing path (<see cref="Bm25ChunkIndexer"/>, one chunk
/// per BEIR document with the document's id, text = title + " " + text as in Anserini's flat indexes) and reports
/// trec_eval-style metrics. Queries are free text (bag of words), not query syntax. Rankings are ordered for
/// scoring as trec_eval orders runs: score descending, ties by document id descending. Dense and hybrid modes embed
/// the corpus and the queries with <see cref="BeirDenseModels"/> through the product's <see cref="EmbeddingChunkIndexer"/>
/// and <see cref="DenseRetriever"/>; hybrid fuses the BM25 and dense rankings (depth 100 each) by the request's
/// <see cref="BeirEvaluationRequest.Fusion"/>. Corpus and query embeddings are cached under the dataset's scope
/// (<see cref="EmbeddingCacheScope.ForDataset"/>: its name and corpus hash), not a tenant's, so with a persistent cache
/// that outlives the evaluation's folder a second run of the same corpus and model embeds nothing.
/// </summary>
public sealed class BeirEvaluator(Bm25Options? bm25Options = null, BeirDenseModels? denseModels = null)
{
    public const string TenantId = "beir";
    private const int Depth = 100;

    /// <summary>The one pseudo-document the corpus is embedded as, so its passages go to the model in full batches.</summary>
    private const string CorpusDocumentId = "beir-corpus";

    /// <summary>
    /// Evaluates the dataset. Throws what <see cref="BeirDataset.LoadAsync"/> throws, and
    /// <see cref="NotSupportedException"/> for <c>dense</c> or <c>hybrid</c> without an embedding model, or an unknown
    /// mode; <see cref="Models.ModelException"/> when the embedding model fails; <see cref="BeirIndexNotEmptyException"/>
    /// when <see cref="BeirEvaluationRequest.DataDirectory"/> already holds an evaluation index (nothing is written then).
    /// </summary>
    public async Task<BeirEvaluationReport> EvaluateAsync(BeirEvaluationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mode = request.Mode.ToLowerInvariant();
        if (mode is not ("bm25" or "dense" or "hybrid"))
        {
            throw new NotSupportedException($"Unknown evaluation mode '{request.Mode}': use bm25, dense or hybrid.");
        }

        var fusion = RankFusions.Create(request.Fusion);
        if (mode != "bm25" && denseModels is not { Models.IsEmbeddingAvailable: true })
        {
            throw new NotSupportedException(
                $"Evaluation mode '{mode}' needs an embedding model: set AGENTRAG_EMBEDDING_MODEL (and OPENAI_BASE_URL) or AgentRag:Models:Profiles:embedding, "
                + $"or {EmbeddingsOptions.SectionName}:Provider to local (offline); 'bm25' needs none.");
        }

        request.Rm3?.Validate();
        var dataset = await BeirDataset.LoadAsync(request.DatasetDirectory, request.Split, cancellationToken);
        var progress = request.Progress;
        progress?.Report($"{dataset.Name}: {dataset.Corpus.Count} documents, {dataset.Queries.Count} queries ({mode})");
        var throwaway = request.DataDirectory is null;
        var dataDirectory = request.DataDirectory ?? Path.Combine(Path.GetTempPath(), $"agentrag-eval-{Guid.NewGuid():N}");
        var source = bm25Options ?? new Bm25Options();
        var options = new Bm25Options
        {
            K1 = source.K1,
            B = source.B,
            LuceneLengthNorms = source.LuceneLengthNorms,
            CompactionRatio = source.CompactionRatio,
            JournalSnapshotBytes = source.JournalSnapshotBytes,
            SyncJournalWrites = !throwaway && source.SyncJournalWrites,
        };
        try
        {
            using var catalog = new Bm25IndexCatalog(dataDirectory, options);
            using var vectors = mode == "bm25" ? null : new VectorIndexCatalog(dataDirectory, denseModels!.Vectors);
            if (!throwaway)
            {
                await EnsureNoIndexAsync(dataDirectory, mode == "dense" ? null : catalog, vectors, cancellationToken);
            }

            var stopwatch = Stopwatch.StartNew();
            var chunks = dataset.Corpus.Select(document => new Chunk
            {
                Id = document.Id,
                DocumentId = document.Id,
                TenantId = TenantId,
                Ordinal = 0,
                Text = document.FlatText,
                TokenCount = CountTokens(document.FlatText),
            }).ToList();
            if (mode != "dense")
            {
                var indexer = new Bm25ChunkIndexer(catalog);
                foreach (var chunk in chunks)
                {
                    await indexer.IndexAsync(TenantId, chunk.DocumentId, [chunk], cancellationToken);
                }

                if (!throwaway)
                {
                    await catalog.SaveAsync(TenantId, cancellationToken);
                }

                progress?.Report($"BM25 index built in {stopwatch.Elapsed.TotalSeconds:0.0} s");
            }

            DenseRetriever? dense = null;
            int? cached = null;
            var cacheScope = CacheScope(dataset);
            if (vectors is not null)
            {
                var denseOptions = Options.Create(denseModels!.Dense);
                var embedStarted = Stopwatch.GetTimestamp();
                var profile = denseModels.Models.Get(AgentRag.Models.ModelProfileNames.Embedding);
                cached = await CountCachedAsync(denseModels, cacheScope, chunks, cancellationToken);
                progress?.Report($"embedding {chunks.Count} documents with {profile}"
                    + (cached is { } hits ? $": {hits} from the dataset cache, {chunks.Count - hits} to compute" : " (no persistent embedding cache)"));
                await new EmbeddingChunkIndexer(denseModels.Generator, denseModels.Models, vectors, denseOptions)
                    .IndexAsync(TenantId, CorpusDocumentId, [.. chunks.Select(c => c with { DocumentId = CorpusDocumentId })],
                        progress is null ? null : new EmbeddingProgress(progress, chunks.Count, embedStarted), cacheScope, cancellationToken);
                dense = new DenseRetriever(denseModels.Generator, denseModels.Models, vectors, denseOptions);
            }

            var indexSeconds = stopwatch.Elapsed.TotalSeconds;
            IKeywordIndex? keyword = mode == "dense" ? null : catalog;
            var results = new List<BeirQueryResult>(dataset.Queries.Count);
            var components = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var query in dataset.Queries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = Stopwatch.GetTimestamp();
                List<RankedList> lists = [];
                if (keyword is not null)
                {
                    var bm25 = await keyword.SearchAsync(TenantId, KeywordQuery.FreeText(query.Text).Root, Depth + 1, rm3: request.Rm3, cancellationToken: cancellationToken);
                    lists.Add(new RankedList("bm25", [.. bm25.Select(h => new ScoredId(h.ChunkId, h.Score))]));
                }

                if (dense is not null)
                {
                    var hits = await dense.SearchAsync(TenantId, query.Text, Depth + 1, null, cacheScope, cancellationToken);
                    lists.Add(new RankedList("dense", [.. hits.Select(h => new ScoredId(h.ChunkId, h.Score))]));
                }

                var run = lists.Count == 1 ? lists[0].Hits : [.. fusion.Fuse(lists, Depth + 1).Select(h => new ScoredId(h.Id, h.Score))];
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                results.Add(Score(query, run, dataset.Qrels[query.Id], request.IgnoreIdenticalIds, elapsed));
                if (lists.Count > 1)
                {
                    foreach (var list in lists)
                    {
                        components[list.Name] = components.GetValueOrDefault(list.Name) + Score(query, list.Hits, dataset.Qrels[query.Id], request.IgnoreIdenticalIds, 0).Ndcg10;
                    }

                    foreach (var name in RankFusions.Names)
                    {
                        var fused = RankFusions.Create(name).Fuse(lists, Depth + 1).Select(h => new ScoredId(h.Id, h.Score)).ToList();
                        components["fusion:" + name] = components.GetValueOrDefault("fusion:" + name) + Score(query, fused, dataset.Qrels[query.Id], request.IgnoreIdenticalIds, 0).Ndcg10;
                    }
                }
            }

            var latencies = results.Select(r => r.QueryMilliseconds).Order().ToArray();
            return new BeirEvaluationReport(
                dataset.Name,
                mode,
                request.Rm3 is null ? null : "rm3",
                mode == "hybrid" ? request.Fusion.ToLowerInvariant() : null,
                results.Count,
                dataset.Corpus.Count,
                Mean(results, r => r.Ndcg10),
                Mean(results, r => r.Mrr10),
                Mean(results, r => r.Recall100),
                Mean(results, r => r.P5),
                Mean(results, r => r.Map100),
                Math.Round(indexSeconds, 3),
                Math.Round(Percentile(latencies, 0.50), 3),
                Math.Round(Percentile(latencies, 0.95), 3),
                results)
            {
                EmbeddingsCached = cached,
                ComponentNdcg10 = components.Count == 0 ? null : components.ToDictionary(c => c.Key, c => Math.Round(c.Value / Math.Max(1, results.Count), 4), StringComparer.Ordinal),
            };
        }
        finally
        {
            if (throwaway)
            {
                try
                {
                    Directory.Delete(dataDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // Best effort: the folder is under the system temp folder.
                }
            }
        }
    }

    /// <summary>The dataset's cache scope: its folder name (':' and whitespace replaced) and corpus hash.</summary>
    private static EmbeddingCacheScope CacheScope(BeirDataset dataset)
    {
        var name = new string([.. dataset.Name.Select(c => c == ':' || char.IsWhiteSpace(c) ? '_' : c)]);
        return EmbeddingCacheScope.ForDataset(name.Length > 100 ? name[..100] : name, dataset.CorpusHash);
    }

    /// <summary>How many of the corpus texts the persistent cache already holds for the model; null without a cache.</summary>
    private static async Task<int?> CountCachedAsync(BeirDenseModels models, EmbeddingCacheScope scope, List<Chunk> chunks, CancellationToken cancellationToken)
    {
        if (models.Cache is null)
        {
            return null;
        }

        var model = CachingEmbeddingGenerator.CacheModelKey(models.Models.Get(AgentRag.Models.ModelProfileNames.Embedding).Model, null);
        var hashes = chunks.Where(c => !string.IsNullOrWhiteSpace(c.Text)).Select(c => EmbeddingCacheScope.HashText(models.Dense.DocumentPrefix + c.Text)).ToList();
        var found = await models.Cache.GetManyAsync(scope, model, hashes, cancellationToken);
        return found.Count;
    }

    /// <summary>Throws <see cref="BeirIndexNotEmptyException"/> when a catalog this run writes to already holds an evaluation index.</summary>
    private static async Task EnsureNoIndexAsync(string dataDirectory, IKeywordIndex? keyword, IVectorStore? vectors, CancellationToken cancellationToken)
    {
        var documents = Math.Max(
            keyword is null ? 0 : (await keyword.GetInfoAsync(TenantId, cancellationToken)).Chunks,
            vectors is null ? 0 : (await vectors.GetInfoAsync(TenantId, cancellationToken)).Vectors);
        if (documents > 0)
        {
            throw new BeirIndexNotEmptyException(
                $"The data folder '{dataDirectory}' already holds an evaluation index of {documents} documents: evaluating a dataset on top of it "
                + "would merge the two and report wrong figures. Give --data an empty folder, or leave --data out to evaluate on a throwaway index.");
        }
    }

    private static BeirQueryResult Score(BeirQuery query, IReadOnlyList<ScoredId> hits, IReadOnlyDictionary<string, int> judgments, bool ignoreIdentical, double milliseconds)
    {
        var run = hits
            .Where(h => !ignoreIdentical || h.Id != query.Id)
            .Take(Depth)
            .OrderByDescending(h => h.Score)
            .ThenByDescending(h => h.Id, StringComparer.Ordinal)
            .ToList();
        var ranking = run.ConvertAll(h => h.Id);
        return new BeirQueryResult(
            query.Id,
            RetrievalMetrics.NdcgAtK(ranking, judgments, 10),
            RetrievalMetrics.ReciprocalRankAtK(ranking, judgments, 10),
            RetrievalMetrics.RecallAtK(ranking, judgments, 100),
            RetrievalMetrics.PrecisionAtK(ranking, judgments, 5),
            RetrievalMetrics.AveragePrecisionAtK(ranking, judgments, 100),
            milliseconds,
            run.Take(10).Select(h => new BeirHit(h.Id, (float)h.Score)).ToArray());
    }

    private static double Mean(List<BeirQueryResult> results, Func<BeirQueryResult, double> metric) =>
        results.Count == 0 ? 0 : Math.Round(results.Average(metric), 4);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int CountTokens(string text)
    {
        var counter = new TokenCounter();
        StandardTokenizer.Tokenize(text, ref counter);
        return counter.Count;
    }

    private struct TokenCounter : ITokenConsumer
    {
        public int Count;

        public void OnToken(int start, int length) => Count++;
    }
}

/// <summary>Turns the embedding stage's "n chunks done" into a line every 5% with the rate so far.</summary>
file sealed class EmbeddingProgress(IProgress<string> progress, int total, long started) : IProgress<int>
{
    private int _lastStep = -1;

    public void Report(int value)
    {
        var step = total == 0 ? 20 : value * 20 / total;
        if (step == _lastStep)
        {
            return;
        }

        _lastStep = step;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        progress.Report($"embedded {value}/{total} ({(seconds > 0 ? value / seconds : 0):0.0} documents/s)");
    }
}

/// <summary>The data folder given for an evaluation already holds an evaluation index; indexing into it would merge two datasets.</summary>
public sealed class BeirIndexNotEmptyException(string message) : Exception(message);
