using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentRag.Retrieval.Vectors;

/// <summary>
/// Approximate cosine search over a hierarchical navigable small-world graph: greedy descent through sparse upper
/// layers, then a best-first search of width <see cref="HnswOptions.EfSearch"/> on layer 0. A new node's neighbours
/// are chosen with the paper's diversity heuristic. Each link list is kept sorted by similarity with its scores, so when
/// a neighbour's list overflows only the new link's effect on diversity is checked (O(M) dot products, as in Lucene's
/// HNSW builder) instead of re-running the heuristic over the whole list. Removal leaves a tombstone (the node still
/// routes searches but is never returned); replacing a vector adds a new node. <see cref="Build"/> inserts in parallel
/// with a lock per node's link lists (hnswlib's scheme). Thread-safe: searches run concurrently, writes are exclusive.
/// </summary>
public sealed class HnswVectorIndex : IVectorIndex
{
    private const string Magic = "AGENTRAG-HNSW";

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly HnswOptions _options;
    private readonly Random _random;
    private readonly double _levelMultiplier;
    private readonly Dictionary<string, int> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Scratch> _scratchPool = [];
    private readonly Lock[] _nodeLocks = [.. Enumerable.Range(0, 1024).Select(_ => new Lock())];
    private readonly Lock _entryLock = new();

    private float[] _vectors;
    private string[] _ids;
    private bool[] _deleted;
    private int[][][] _links; // node → layer → [count, neighbour...], most similar first
    private float[][][] _scores; // node → layer → similarity of each neighbour (index i ↔ links[i + 1])
    private int _count;
    private int _entry = -1;
    private int _maxLevel = -1;

    public HnswVectorIndex(int dimensions, HnswOptions? options = null, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        _options = options ?? new HnswOptions();
        _options.Validate();
        Dimensions = dimensions;
        _random = new Random(_options.Seed);
        _levelMultiplier = 1 / Math.Log(_options.M);
        initialCapacity = Math.Max(1, initialCapacity);
        _vectors = new float[dimensions * initialCapacity];
        _ids = new string[initialCapacity];
        _deleted = new bool[initialCapacity];
        _links = new int[initialCapacity][][];
        _scores = new float[initialCapacity][][];
    }

    public int Dimensions { get; }

    public HnswOptions Options => _options;

    public int Count => _nodes.Count;

    /// <summary>Nodes in the graph, including tombstones.</summary>
    public int NodeCount => _count;

    public void Upsert(string id, ReadOnlySpan<float> vector)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var unit = new float[Dimensions];
        VectorMath.Normalize(vector, unit, Dimensions, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            if (_nodes.Remove(id, out var old))
            {
                _deleted[old] = true;
            }

            var node = AddNode(id, unit, RandomLevel());
            var scratch = RentScratch();
            try
            {
                Link(node, scratch);
            }
            finally
            {
                _scratchPool.Add(scratch);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Remove(string id)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_nodes.Remove(id, out var node))
            {
                return false;
            }

            _deleted[node] = true;
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k) => Search(query, k, _options.EfSearch);

    /// <summary>Searches with an explicit candidate-list width (recall/speed trade-off).</summary>
    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, int efSearch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(efSearch);
        Span<float> unit = Dimensions <= 4096 ? stackalloc float[Dimensions] : new float[Dimensions];
        VectorMath.Normalize(query, unit, Dimensions, nameof(query));
        _lock.EnterReadLock();
        var scratch = RentScratch();
        try
        {
            if (_entry < 0)
            {
                return [];
            }

            var entry = _entry;
            for (var level = _maxLevel; level > 0; level--)
            {
                entry = GreedyClosest(unit, entry, level);
            }

            var ef = Math.Max(efSearch, k);
            var found = SearchLayer(unit, entry, ef, 0, scratch);
            var hits = new List<VectorHit>(k);
            foreach (var (score, node) in found)
            {
                if (!_deleted[node])
                {
                    hits.Add(new VectorHit(_ids[node], score));
                    if (hits.Count == k)
                    {
                        break;
                    }
                }
            }

            return hits;
        }
        finally
        {
            _scratchPool.Add(scratch);
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Builds a graph of <paramref name="ids"/> whose unit vectors lie back to back in <paramref name="unitVectors"/>,
    /// inserting on up to <paramref name="degreeOfParallelism"/> threads. Node levels come from the seeded generator in
    /// id order; the links depend on thread timing, so parallel builds are not bit-for-bit reproducible.
    /// </summary>
    public static HnswVectorIndex Build(
        int dimensions, HnswOptions options, IReadOnlyList<string> ids, ReadOnlySpan<float> unitVectors, int degreeOfParallelism = 1,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreeOfParallelism);
        if (unitVectors.Length != (long)ids.Count * dimensions)
        {
            throw new ArgumentException($"{unitVectors.Length} floats do not hold {ids.Count} vectors of {dimensions} dimensions.", nameof(unitVectors));
        }

        var graph = new HnswVectorIndex(dimensions, options, Math.Max(1, ids.Count));
        for (var i = 0; i < ids.Count; i++)
        {
            if (graph._nodes.TryGetValue(ids[i], out var duplicate))
            {
                graph._deleted[duplicate] = true; // the later vector wins, as with Upsert
            }

            graph.AddNode(ids[i], unitVectors.Slice(i * dimensions, dimensions), graph.RandomLevel());
        }

        var done = 0;
        Parallel.For(0, ids.Count, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = cancellationToken },
            () => graph.RentScratch(),
            (node, _, scratch) =>
            {
                graph.Link(node, scratch);
                var count = Interlocked.Increment(ref done);
                if (count % 10_000 == 0)
                {
                    progress?.Report(count);
                }

                return scratch;
            },
            scratch => graph._scratchPool.Add(scratch));
        return graph;
    }

    /// <summary>Stores a node with its vector and empty link lists; it is not reachable until <see cref="Link"/>.</summary>
    private int AddNode(string id, ReadOnlySpan<float> unit, int level)
    {
        var node = _count;
        EnsureCapacity(node + 1);
        unit.CopyTo(_vectors.AsSpan(node * Dimensions, Dimensions));
        _ids[node] = id;
        _deleted[node] = false;
        _links[node] = new int[level + 1][];
        _scores[node] = new float[level + 1][];
        for (var l = 0; l <= level; l++)
        {
            _links[node][l] = new int[Capacity(l) + 1];
            _scores[node][l] = new float[Capacity(l)];
        }

        _count++;
        _nodes[id] = node;
        return node;
    }

    private int RandomLevel() => (int)(-Math.Log(1 - _random.NextDouble()) * _levelMultiplier);

    /// <summary>Connects a stored node into the graph. Safe to run for several nodes at once (see <see cref="Build"/>).</summary>
    private void Link(int node, Scratch scratch)
    {
        var level = _links[node].Length - 1;
        var unit = Vector(node);
        int entry, maxLevel;
        var holdsEntry = false;
        lock (_entryLock)
        {
            if (_entry < 0)
            {
                _entry = node;
                _maxLevel = level;
                return;
            }

            entry = _entry;
            maxLevel = _maxLevel;
        }

        if (level > maxLevel)
        {
            // A new top level (rare, about 1 node in M^level): hold the entry point until the node is linked, as hnswlib does.
            _entryLock.Enter();
            holdsEntry = true;
            entry = _entry;
            maxLevel = _maxLevel;
        }

        try
        {
            for (var l = maxLevel; l > level; l--)
            {
                entry = GreedyClosest(unit, entry, l);
            }

            for (var l = Math.Min(level, maxLevel); l >= 0; l--)
            {
                var candidates = SearchLayer(unit, entry, _options.EfConstruction, l, scratch);
                SelectNeighbours(candidates, _options.M, scratch.Chosen);
                lock (NodeLock(node))
                {
                    var links = _links[node][l];
                    var scores = _scores[node][l];
                    links[0] = scratch.Chosen.Count;
                    for (var i = 0; i < scratch.Chosen.Count; i++)
                    {
                        links[i + 1] = scratch.Chosen[i].Node;
                        scores[i] = scratch.Chosen[i].Score;
                    }
                }

                foreach (var (score, neighbour) in scratch.Chosen)
                {
                    Connect(neighbour, node, score, l);
                }

                entry = candidates[0].Node;
            }

            if (holdsEntry && level > _maxLevel)
            {
                _entry = node;
                _maxLevel = level;
            }
        }
        finally
        {
            if (holdsEntry)
            {
                _entryLock.Exit();
            }
        }
    }

    private Lock NodeLock(int node) => _nodeLocks[node & (1023)];

    private int Capacity(int level) => level == 0 ? _options.M * 2 : _options.M;

    /// <summary>
    /// Adds <paramref name="node"/> (similarity <paramref name="score"/>) to <paramref name="target"/>'s links, kept
    /// sorted. When the list is full, drops the first link, from the least similar, that the new link makes redundant
    /// (it is more similar to a better neighbour than to the target), or the new link itself when it is redundant, or else
    /// the least similar link.
    /// </summary>
    private void Connect(int target, int node, float score, int level)
    {
        lock (NodeLock(target))
        {
            var links = _links[target][level];
            var scores = _scores[target][level];
            var count = links[0];
            var capacity = links.Length - 1;
            var position = 0;
            while (position < count && scores[position] >= score)
            {
                position++;
            }

            if (count < capacity)
            {
                Array.Copy(links, position + 1, links, position + 2, count - position);
                Array.Copy(scores, position, scores, position + 1, count - position);
                links[position + 1] = node;
                scores[position] = score;
                links[0] = count + 1;
                return;
            }

            // Full: is the new link redundant given a better neighbour?
            var vector = Vector(node);
            for (var i = 0; i < position; i++)
            {
                if (Similarity(vector, links[i + 1]) > score)
                {
                    return;
                }
            }

            // Does the new link make a worse neighbour redundant? Drop the least similar such one, else the least similar.
            var drop = count - 1;
            for (var i = count - 1; i >= position; i--)
            {
                if (Similarity(vector, links[i + 1]) > scores[i])
                {
                    drop = i;
                    break;
                }
            }

            if (drop < position)
            {
                return; // the new link is the least similar of a full list
            }

            Array.Copy(links, drop + 2, links, drop + 1, count - drop - 1);
            Array.Copy(scores, drop + 1, scores, drop, count - drop - 1);
            Array.Copy(links, position + 1, links, position + 2, count - 1 - position);
            Array.Copy(scores, position, scores, position + 1, count - 1 - position);
            links[position + 1] = node;
            scores[position] = score;
        }
    }

    /// <summary>The paper's heuristic: keep a candidate only if it is closer to the base than to any kept neighbour.</summary>
    /// <param name="candidates">Candidates with their similarity to the base node, most similar first.</param>
    private void SelectNeighbours(List<(float Score, int Node)> candidates, int max, List<(float Score, int Node)> chosen)
    {
        chosen.Clear();
        foreach (var candidate in candidates)
        {
            if (chosen.Count >= max)
            {
                break;
            }

            var vector = Vector(candidate.Node);
            var diverse = true;
            foreach (var kept in chosen)
            {
                if (Similarity(vector, kept.Node) > candidate.Score)
                {
                    diverse = false;
                    break;
                }
            }

            if (diverse)
            {
                chosen.Add(candidate);
            }
        }
    }

    private int GreedyClosest(ReadOnlySpan<float> query, int entry, int level)
    {
        var best = entry;
        var bestScore = Similarity(query, entry);
        var improved = true;
        while (improved)
        {
            improved = false;
            var links = _links[best][level];
            var count = Math.Min(links[0], links.Length - 1);
            for (var i = 1; i <= count; i++)
            {
                var score = Similarity(query, links[i]);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = links[i];
                    improved = true;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// Best-first search of one layer; returns up to <paramref name="ef"/> nodes, most similar first, in
    /// <paramref name="scratch"/>'s result list (valid until its next use).
    /// </summary>
    private List<(float Score, int Node)> SearchLayer(ReadOnlySpan<float> query, int entry, int ef, int level, Scratch scratch)
    {
        var visited = scratch.Visited;
        visited.Reset(_count);
        var candidates = scratch.Candidates; // most similar first (negated priority)
        var results = scratch.Results; // least similar first
        candidates.Clear();
        results.Clear();
        var entryScore = Similarity(query, entry);
        visited.Mark(entry);
        candidates.Enqueue(entry, -entryScore);
        results.Enqueue(entry, entryScore);
        var worst = entryScore;
        while (candidates.TryDequeue(out var current, out var negated))
        {
            if (-negated < worst && results.Count >= ef)
            {
                break;
            }

            var links = _links[current];
            if (level >= links.Length)
            {
                continue;
            }

            var neighbours = links[level];
            var count = Math.Min(neighbours[0], neighbours.Length - 1);
            for (var i = 1; i <= count; i++)
            {
                var next = neighbours[i];
                if (!visited.Mark(next))
                {
                    continue;
                }

                var score = Similarity(query, next);
                if (results.Count < ef || score > worst)
                {
                    candidates.Enqueue(next, -score);
                    results.Enqueue(next, score);
                    if (results.Count > ef)
                    {
                        results.Dequeue();
                    }

                    results.TryPeek(out _, out worst);
                }
            }
        }

        var list = scratch.Found;
        list.Clear();
        while (results.TryDequeue(out var node, out var score))
        {
            list.Add((score, node));
        }

        list.Reverse();
        return list;
    }

    private ReadOnlySpan<float> Vector(int node) => _vectors.AsSpan(node * Dimensions, Dimensions);

    private float Similarity(ReadOnlySpan<float> query, int node) => TensorPrimitives.Dot(query, Vector(node));

    private void EnsureCapacity(int count)
    {
        if (count <= _ids.Length)
        {
            return;
        }

        var size = Math.Max(count, _ids.Length * 2);
        if ((long)size * Dimensions > Array.MaxLength)
        {
            throw new InvalidOperationException($"HNSW index is full: {_count} vectors of {Dimensions} dimensions.");
        }

        Array.Resize(ref _vectors, size * Dimensions);
        Array.Resize(ref _ids, size);
        Array.Resize(ref _deleted, size);
        Array.Resize(ref _links, size);
        Array.Resize(ref _scores, size);
    }

    private Scratch RentScratch() => _scratchPool.TryTake(out var scratch) ? scratch : new Scratch();

    /// <summary>Per-search working memory, pooled so that searches and inserts allocate nothing in steady state.</summary>
    private sealed class Scratch
    {
        public VisitedSet Visited { get; } = new();

        public PriorityQueue<int, float> Candidates { get; } = new();

        public PriorityQueue<int, float> Results { get; } = new();

        public List<(float Score, int Node)> Found { get; } = [];

        public List<(float Score, int Node)> Chosen { get; } = [];
    }

    /// <summary>Generation-stamped visited marks, so a search never clears an array of the index's size.</summary>
    private sealed class VisitedSet
    {
        private int[] _stamps = [];
        private int _generation;

        public void Reset(int size)
        {
            if (_stamps.Length < size)
            {
                Array.Resize(ref _stamps, Math.Max(size, _stamps.Length * 2));
            }

            if (++_generation == int.MaxValue)
            {
                Array.Clear(_stamps);
                _generation = 1;
            }
        }

        /// <summary>Marks the node; false when it was already marked in this generation.</summary>
        public bool Mark(int node)
        {
            if (_stamps[node] == _generation)
            {
                return false;
            }

            _stamps[node] = _generation;
            return true;
        }
    }

    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _lock.EnterReadLock();
        try
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Dimensions);
            writer.Write(_options.M);
            writer.Write(_options.EfConstruction);
            writer.Write(_options.EfSearch);
            writer.Write(_options.Seed);
            writer.Write(_count);
            writer.Write(_entry);
            writer.Write(_maxLevel);
            for (var node = 0; node < _count; node++)
            {
                writer.Write(_ids[node]);
                writer.Write(_deleted[node]);
                var layers = _links[node];
                writer.Write(layers.Length);
                foreach (var links in layers)
                {
                    writer.Write(links[0]);
                    for (var i = 1; i <= links[0]; i++)
                    {
                        writer.Write(links[i]);
                    }
                }
            }

            writer.Write(MemoryMarshal.AsBytes(_vectors.AsSpan(0, _count * Dimensions)));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Recomputes each link's similarity (not persisted) and sorts every link list by it, most similar first.</summary>
    private void RestoreScores()
    {
        Parallel.For(0, _count, node =>
        {
            var layers = _links[node];
            var vector = Vector(node);
            _scores[node] = new float[layers.Length][];
            for (var l = 0; l < layers.Length; l++)
            {
                var links = layers[l];
                var count = links[0];
                var scores = new float[links.Length - 1];
                var neighbours = links.AsSpan(1, count).ToArray();
                for (var i = 0; i < count; i++)
                {
                    scores[i] = -Similarity(vector, neighbours[i]); // negated: Array.Sort is ascending
                }

                Array.Sort(scores, neighbours, 0, count);
                for (var i = 0; i < count; i++)
                {
                    scores[i] = -scores[i];
                    links[i + 1] = neighbours[i];
                }

                _scores[node][l] = scores;
            }
        });
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote (search width may be overridden); throws <see cref="InvalidDataException"/> otherwise.</summary>
    public static HnswVectorIndex Read(Stream stream, int? efSearch = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != Magic)
            {
                throw new InvalidDataException("Not an HNSW index file (bad magic).");
            }

            var dimensions = reader.ReadInt32();
            var options = new HnswOptions { M = reader.ReadInt32(), EfConstruction = reader.ReadInt32(), EfSearch = reader.ReadInt32(), Seed = reader.ReadInt32() };
            if (efSearch is { } ef)
            {
                options.EfSearch = ef;
            }

            var count = reader.ReadInt32();
            var index = new HnswVectorIndex(dimensions, options, Math.Max(1, count))
            {
                _count = count,
                _entry = reader.ReadInt32(),
                _maxLevel = reader.ReadInt32(),
            };
            for (var node = 0; node < count; node++)
            {
                index._ids[node] = reader.ReadString();
                index._deleted[node] = reader.ReadBoolean();
                if (!index._deleted[node])
                {
                    index._nodes[index._ids[node]] = node;
                }

                var layers = new int[reader.ReadInt32()][];
                for (var l = 0; l < layers.Length; l++)
                {
                    var links = new int[index.Capacity(l) + 1];
                    links[0] = reader.ReadInt32();
                    if (links[0] > links.Length - 1)
                    {
                        throw new InvalidDataException($"HNSW node {node} has {links[0]} links on layer {l}; at most {links.Length - 1} fit.");
                    }

                    for (var i = 1; i <= links[0]; i++)
                    {
                        links[i] = reader.ReadInt32();
                    }

                    layers[l] = links;
                }

                index._links[node] = layers;
            }

            stream.ReadExactly(MemoryMarshal.AsBytes(index._vectors.AsSpan(0, count * dimensions)));
            index.RestoreScores();
            return index;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("HNSW index file is truncated.", e);
        }
    }
}
