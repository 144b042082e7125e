namespace AgentRag.Retrieval.Keyword;

/// <summary>LEB128 variable-length encoding of non-negative integers, 7 bits per byte.</summary>
internal static class VarInt
{
    public static int Write(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static uint Read(ReadOnlySpan<byte> source, ref int offset)
    {
        uint b = source[offset++];
        if (b < 0x80)
        {
            return b;
        }

        var result = b & 0x7F;
        var shift = 7;
        do
        {
            b = source[offset++];
            result |= (b & 0x7F) << shift;
            shift += 7;
        }
        while (b >= 0x80);
        return result;
    }
}
