using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentRag.Retrieval.Vectors;

/// <summary>
/// Exact cosine search: one SIMD dot product (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>)
/// per stored vector over one contiguous array. Removal moves the last vector into the hole, so the scan never
/// skips tombstones. Suited to up to ~150k vectors per tenant; see <see cref="HnswVectorIndex"/> beyond.
/// </summary>
public sealed class ExactVectorIndex : IVectorIndex
{
    private const string Magic = "AGENTRAG-EXACT-VECTORS";

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];
    private float[] _data;

    public ExactVectorIndex(int dimensions, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        Dimensions = dimensions;
        _data = new float[(long)dimensions * Math.Max(1, initialCapacity) > Array.MaxLength ? dimensions : dimensions * Math.Max(1, initialCapacity)];
    }

    public int Dimensions { get; }

    public int Count => _ids.Count;

    public void Upsert(string id, ReadOnlySpan<float> vector)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Span<float> unit = vector.Length <= 4096 ? stackalloc float[vector.Length] : new float[vector.Length];
        VectorMath.Normalize(vector, unit, Dimensions, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            if (!_rows.TryGetValue(id, out var row))
            {
                row = _ids.Count;
                var needed = (long)(row + 1) * Dimensions;
                if (needed > _data.Length)
                {
                    Array.Resize(ref _data, (int)Math.Min(Array.MaxLength, Math.Max(needed, _data.LongLength * 2)));
                }

                _ids.Add(id);
                _rows[id] = row;
            }

            unit.CopyTo(_data.AsSpan(row * Dimensions, Dimensions));
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
            if (!_rows.Remove(id, out var row))
            {
                return false;
            }

            var last = _ids.Count - 1;
            if (row != last)
            {
                _data.AsSpan(last * Dimensions, Dimensions).CopyTo(_data.AsSpan(row * Dimensions, Dimensions));
                _ids[row] = _ids[last];
                _rows[_ids[row]] = row;
            }

            _ids.RemoveAt(last);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        Span<float> unit = query.Length <= 4096 ? stackalloc float[query.Length] : new float[query.Length];
        VectorMath.Normalize(query, unit, Dimensions, nameof(query));
        _lock.EnterReadLock();
        try
        {
            var top = new PriorityQueue<int, (float Score, string Id)>(k + 1, WorstFirst.Instance);
            var data = _data.AsSpan();
            for (var row = 0; row < _ids.Count; row++)
            {
                var score = TensorPrimitives.Dot(data.Slice(row * Dimensions, Dimensions), unit);
                if (top.Count < k)
                {
                    top.Enqueue(row, (score, _ids[row]));
                }
                else if (top.TryPeek(out _, out var worst) && (score > worst.Score || (score == worst.Score && string.CompareOrdinal(_ids[row], worst.Id) < 0)))
                {
                    top.DequeueEnqueue(row, (score, _ids[row]));
                }
            }

            var hits = new List<VectorHit>(top.Count);
            while (top.TryDequeue(out var row, out var entry))
            {
                hits.Add(new VectorHit(_ids[row], entry.Score));
            }

            hits.Reverse();
            return hits;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Builds an HNSW graph of the stored vectors (levels drawn in row order) on up to
    /// <paramref name="degreeOfParallelism"/> threads (default: every core).
    /// </summary>
    public HnswVectorIndex BuildGraph(HnswOptions options, int? degreeOfParallelism = null, IProgress<int>? progress = null)
    {
        _lock.EnterReadLock();
        try
        {
            return HnswVectorIndex.Build(
                Dimensions, options, _ids, _data.AsSpan(0, _ids.Count * Dimensions), degreeOfParallelism ?? Environment.ProcessorCount, progress);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    internal void CopyTo(ExactVectorIndex target)
    {
        for (var row = 0; row < _ids.Count; row++)
        {
            target.Upsert(_ids[row], _data.AsSpan(row * Dimensions, Dimensions));
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
            writer.Write(_ids.Count);
            foreach (var id in _ids)
            {
                writer.Write(id);
            }

            writer.Write(MemoryMarshal.AsBytes(_data.AsSpan(0, _ids.Count * Dimensions)));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote; throws <see cref="InvalidDataException"/> for anything else.</summary>
    public static ExactVectorIndex Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != Magic)
            {
                throw new InvalidDataException("Not an exact vector index file (bad magic).");
            }

            var dimensions = reader.ReadInt32();
            var count = reader.ReadInt32();
            var index = new ExactVectorIndex(dimensions, Math.Max(1, count));
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadString();
                index._rows[id] = i;
                index._ids.Add(id);
            }

            var bytes = MemoryMarshal.AsBytes(index._data.AsSpan(0, count * dimensions));
            stream.ReadExactly(bytes);
            return index;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Exact vector index file is truncated.", e);
        }
    }

    /// <summary>Orders the heap so the root is the worst hit: lowest score, then largest id.</summary>
    private sealed class WorstFirst : IComparer<(float Score, string Id)>
    {
        public static WorstFirst Instance { get; } = new();

        public int Compare((float Score, string Id) x, (float Score, string Id) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : string.CompareOrdinal(y.Id, x.Id);
    }
}
