using System.Numerics;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// Lucene's one-byte field-length norms (<c>SmallFloat.intToByte4</c>/<c>byte4ToInt</c>): lengths below 24 are
/// exact, larger ones keep 4 significant bits. Lucene's BM25 scores with the decoded length, so Anserini parity
/// needs the same rounding. Pure functions; thread-safe.
/// </summary>
public static class LengthNorms
{
    private static readonly int MaxInt4 = LongToInt4(int.MaxValue);
    private static readonly int NumFreeValues = 255 - MaxInt4;

    /// <summary>The decoded length of each of the 256 norm bytes.</summary>
    public static IReadOnlyList<int> DecodeTable { get; } = Enumerable.Range(0, 256).Select(i => ByteToLength((byte)i)).ToArray();

    public static byte LengthToByte(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return length < NumFreeValues
            ? (byte)length
            : (byte)(NumFreeValues + LongToInt4(length - NumFreeValues));
    }

    public static int ByteToLength(byte norm)
    {
        int i = norm;
        if (i < NumFreeValues)
        {
            return i;
        }

        var decoded = NumFreeValues + Int4ToLong(i - NumFreeValues);
        return (int)Math.Min(decoded, int.MaxValue);
    }

    /// <summary>The length Lucene scores with: the length after a round trip through the norm byte.</summary>
    public static int Quantize(int length) => ByteToLength(LengthToByte(length));

    private static int LongToInt4(long i)
    {
        var numBits = 64 - BitOperations.LeadingZeroCount((ulong)i);
        if (numBits < 4)
        {
            return (int)i; // subnormal
        }

        var shift = numBits - 4;
        var encoded = (int)(i >>> shift) & 0x07; // drops the implicit leading bit
        encoded |= (shift + 1) << 3;
        return encoded;
    }

    private static long Int4ToLong(int i)
    {
        long bits = i & 0x07;
        var shift = (i >>> 3) - 1;
        return shift == -1 ? bits : (bits | 0x08) << shift;
    }
}
