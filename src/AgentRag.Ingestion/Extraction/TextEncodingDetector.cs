using System.Text;

namespace AgentRag.Ingestion.Extraction;

/// <summary>
/// Decides whether bytes are text and in which encoding: a UTF-8 or UTF-16 byte order mark wins; then UTF-16
/// without a byte order mark is told by its zero bytes (see <see cref="DetectUtf16WithoutBom"/>); otherwise valid
/// UTF-8 is UTF-8, and anything else that is not binary is read as Latin-1 (ISO-8859-1), which accepts every byte.
/// Bytes (or, for UTF-16, characters) are binary when they contain NUL or more than 10% control characters (other
/// than tab, line feed, carriage return, form feed and escape).
/// </summary>
public static class TextEncodingDetector
{
    private static readonly Encoding _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Encoding _utf16LittleEndian = new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true);
    private static readonly Encoding _utf16BigEndian = new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true);

    /// <summary>The encoding of <paramref name="sample"/> (the start of a file), or null when it is binary.</summary>
    public static Encoding? Detect(ReadOnlySpan<byte> sample)
    {
        if (sample.StartsWith("\xEF\xBB\xBF"u8))
        {
            return _utf8;
        }

        if (sample.Length >= 2 && sample[0] == 0xFF && sample[1] == 0xFE)
        {
            return _utf16LittleEndian;
        }

        if (sample.Length >= 2 && sample[0] == 0xFE && sample[1] == 0xFF)
        {
            return _utf16BigEndian;
        }

        if (DetectUtf16WithoutBom(sample) is { } utf16)
        {
            return utf16;
        }

        var controls = 0;
        foreach (var b in sample)
        {
            if (b == 0)
            {
                return null;
            }

            if (IsControl(b))
            {
                controls++;
            }
        }

        if (controls * 10 > sample.Length)
        {
            return null;
        }

        return IsValidUtf8(sample) ? _utf8 : Encoding.Latin1;
    }

    /// <summary>
    /// The start of a file decoded to look at its content: without the byte order mark, and with a character cut off
    /// at the end of the sample (or any invalid one) replaced rather than thrown on.
    /// </summary>
    public static string DecodeSample(byte[] sample, Encoding encoding)
    {
        var lenient = (Encoding)encoding.Clone();
        lenient.DecoderFallback = DecoderFallback.ReplacementFallback;
        return lenient.GetString(SkipPreamble(sample, encoding));
    }

    /// <summary>
    /// UTF-16 without a byte order mark, told by its zero bytes: in text written mostly in Latin script most code units
    /// have a zero high byte, so zeros fill one byte position of at least a quarter of the code units (the odd offsets
    /// for little-endian, the even ones for big-endian), and at least three times as often as the other position (whose
    /// zeros come from characters such as U+2500 '─'). The code units must then decode to text as <see cref="Detect"/>
    /// defines it: valid surrogate pairs, no NUL, few control characters. Null otherwise.
    /// </summary>
    public static Encoding? DetectUtf16WithoutBom(ReadOnlySpan<byte> sample)
    {
        var units = sample.Length / 2;
        if (units == 0)
        {
            return null;
        }

        int evenZeros = 0, oddZeros = 0;
        for (var i = 0; i < units * 2; i += 2)
        {
            evenZeros += sample[i] == 0 ? 1 : 0;
            oddZeros += sample[i + 1] == 0 ? 1 : 0;
        }

        var bigEndian = evenZeros > oddZeros;
        var (dominant, other) = bigEndian ? (evenZeros, oddZeros) : (oddZeros, evenZeros);
        if (dominant * 4 < units || dominant < other * 3)
        {
            return null;
        }

        var text = new char[units];
        for (var i = 0; i < units; i++)
        {
            text[i] = (char)(bigEndian ? (sample[2 * i] << 8) | sample[(2 * i) + 1] : sample[2 * i] | (sample[(2 * i) + 1] << 8));
        }

        // A surrogate pair may be cut by the end of the sample.
        var length = char.IsHighSurrogate(text[^1]) ? units - 1 : units;
        var controls = 0;
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            if (c == '\0' || (char.IsHighSurrogate(c) && (i + 1 >= length || !char.IsLowSurrogate(text[++i]))) || char.IsLowSurrogate(c))
            {
                return null;
            }

            if (c < 0x20 && IsControl((byte)c))
            {
                controls++;
            }
        }

        return controls * 10 > length ? null : bigEndian ? _utf16BigEndian : _utf16LittleEndian;
    }

    private static bool IsControl(byte b) => b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C and not 0x1B;

    /// <summary>The sample without the byte order mark of <paramref name="encoding"/>, if it has one.</summary>
    public static byte[] SkipPreamble(byte[] sample, Encoding encoding)
    {
        var preamble = encoding.Preamble;
        return sample.AsSpan().StartsWith(preamble) ? sample[preamble.Length..] : sample;
    }

    /// <summary>
    /// Valid UTF-8, tolerating a multi-byte sequence cut off at the end of the sample (the sample is the first
    /// bytes of a longer file).
    /// </summary>
    private static bool IsValidUtf8(ReadOnlySpan<byte> sample)
    {
        var status = System.Text.Unicode.Utf8.ToUtf16(sample, new char[sample.Length], out _, out _, replaceInvalidSequences: false, isFinalBlock: false);
        return status != System.Buffers.OperationStatus.InvalidData;
    }

    /// <summary>
    /// Reads a whole text file in its detected encoding, without the byte order mark. Throws
    /// <see cref="DocumentExtractionException"/> when the file is binary or cannot be read, and (for UTF-16 or
    /// UTF-8 declared by a byte order mark) when its bytes are invalid in that encoding.
    /// </summary>
    public static async Task<string> ReadAllTextAsync(string path, string fileName, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (IOException ex)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Io, $"reading the file failed: {ex.Message}", ex);
        }

        var encoding = Detect(bytes)
            ?? throw new DocumentExtractionException(fileName, ExtractionFailure.UnsupportedContent,
                "the content is binary data (it contains NUL bytes or control characters), not text.");
        try
        {
            return encoding.GetString(SkipPreamble(bytes, encoding));
        }
        catch (DecoderFallbackException ex)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Corrupt,
                $"the text is not valid {encoding.WebName} at byte {ex.Index}.", ex);
        }
    }
}
