using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentRag.Retrieval.Vectors;

/// <summary>
/// Approximate cosine search over a hierarchical navigable small-world graph: greedy descent through sparse upper
/// layers, then a best-first search of width <see cref="HnswOptions.EfSearch"/> on layer 0. Neighbours are chosen
/// with the paper's diversity heuristic. Removal leaves a tombstone (the node still routes searches but is never
/// returned); replacing a vector adds a new node. Thread-safe: searches run concurrently, inserts are exclusive.
/// </summary>
public sealed class HnswVectorIndex : IVectorIndex
{
    private const string Magic = "AGENTRAG-HNSW";

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly HnswOptions _options;
    private readonly Random _random;
    private readonly double _levelMultiplier;
    private readonly Dictionary<string, int> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<VisitedSet> _visitedPool = [];

    private float[] _vectors;
    private string[] _ids;
    private bool[] _deleted;
    private int[][][] _links; // node → layer → [count, neighbour...]
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

            Insert(id, unit);
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
        var unit = new float[Dimensions];
        VectorMath.Normalize(query, unit, Dimensions, nameof(query));
        _lock.EnterReadLock();
        var visited = RentVisited();
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
            var found = SearchLayer(unit, entry, ef, 0, visited);
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
            _visitedPool.Add(visited);
            _lock.ExitReadLock();
        }
    }

    private void Insert(string id, float[] unit)
    {
        var node = _count;
        EnsureCapacity(node + 1);
        unit.CopyTo(_vectors.AsSpan(node * Dimensions, Dimensions));
        _ids[node] = id;
        _deleted[node] = false;
        var level = (int)(-Math.Log(1 - _random.NextDouble()) * _levelMultiplier);
        _links[node] = new int[level + 1][];
        for (var l = 0; l <= level; l++)
        {
            _links[node][l] = new int[Capacity(l) + 1];
        }

        _count++;
        _nodes[id] = node;
        if (_entry < 0)
        {
            _entry = node;
            _maxLevel = level;
            return;
        }

        var visited = RentVisited();
        try
        {
            var entry = _entry;
            for (var l = _maxLevel; l > level; l--)
            {
                entry = GreedyClosest(unit, entry, l);
            }

            for (var l = Math.Min(level, _maxLevel); l >= 0; l--)
            {
                var candidates = SearchLayer(unit, entry, _options.EfConstruction, l, visited);
                var chosen = SelectNeighbours(candidates, _options.M);
                var links = _links[node][l];
                links[0] = chosen.Count;
                for (var i = 0; i < chosen.Count; i++)
                {
                    links[i + 1] = chosen[i].Node;
                }

                foreach (var (_, neighbour) in chosen)
                {
                    Connect(neighbour, node, l);
                }

                entry = candidates[0].Node;
            }
        }
        finally
        {
            _visitedPool.Add(visited);
        }

        if (level > _maxLevel)
        {
            _entry = node;
            _maxLevel = level;
        }
    }

    private int Capacity(int level) => level == 0 ? _options.M * 2 : _options.M;

    /// <summary>Adds <paramref name="node"/> to <paramref name="target"/>'s links, re-selecting them with the heuristic when full.</summary>
    private void Connect(int target, int node, int level)
    {
        var links = _links[target][level];
        var count = links[0];
        if (count < links.Length - 1)
        {
            links[count + 1] = node;
            links[0] = count + 1;
            return;
        }

        var vector = Vector(target);
        var candidates = new List<(float Score, int Node)>(count + 1) { (Similarity(vector, node), node) };
        for (var i = 1; i <= count; i++)
        {
            candidates.Add((Similarity(vector, links[i]), links[i]));
        }

        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var chosen = SelectNeighbours(candidates, links.Length - 1);
        links[0] = chosen.Count;
        for (var i = 0; i < chosen.Count; i++)
        {
            links[i + 1] = chosen[i].Node;
        }
    }

    /// <summary>The paper's heuristic: keep a candidate only if it is closer to the base than to any kept neighbour.</summary>
    /// <param name="candidates">Candidates with their similarity to the base node, most similar first.</param>
    private List<(float Score, int Node)> SelectNeighbours(List<(float Score, int Node)> candidates, int max)
    {
        var chosen = new List<(float Score, int Node)>(max);
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

        return chosen;
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
            for (var i = 1; i <= links[0]; i++)
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

    /// <summary>Best-first search of one layer; returns up to <paramref name="ef"/> nodes, most similar first.</summary>
    private List<(float Score, int Node)> SearchLayer(ReadOnlySpan<float> query, int entry, int ef, int level, VisitedSet visited)
    {
        visited.Reset(_count);
        var candidates = new PriorityQueue<int, float>(); // most similar first (negated priority)
        var results = new PriorityQueue<int, float>(); // least similar first
        var entryScore = Similarity(query, entry);
        visited.Mark(entry);
        candidates.Enqueue(entry, -entryScore);
        results.Enqueue(entry, entryScore);
        while (candidates.TryDequeue(out var current, out var negated))
        {
            results.TryPeek(out _, out var worst);
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
            for (var i = 1; i <= neighbours[0]; i++)
            {
                var next = neighbours[i];
                if (!visited.Mark(next))
                {
                    continue;
                }

                var score = Similarity(query, next);
                results.TryPeek(out _, out worst);
                if (results.Count < ef || score > worst)
                {
                    candidates.Enqueue(next, -score);
                    results.Enqueue(next, score);
                    if (results.Count > ef)
                    {
                        results.Dequeue();
                    }
                }
            }
        }

        var list = new List<(float Score, int Node)>(results.Count);
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
    }

    private VisitedSet RentVisited() => _visitedPool.TryTake(out var set) ? set : new VisitedSet();

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
            return index;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("HNSW index file is truncated.", e);
        }
    }
}
