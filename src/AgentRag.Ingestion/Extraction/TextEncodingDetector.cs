using System.Text;

namespace AgentRag.Ingestion.Extraction;

/// <summary>
/// Decides whether bytes are text and in which encoding: a UTF-8 or UTF-16 byte order mark wins; otherwise
/// valid UTF-8 is UTF-8, and anything else that is not binary is read as Latin-1 (ISO-8859-1), which accepts
/// every byte. Bytes are binary when they contain NUL or more than 10% control characters (other than tab,
/// line feed, carriage return and form feed).
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

        var controls = 0;
        foreach (var b in sample)
        {
            if (b == 0)
            {
                return null;
            }

            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C and not 0x1B)
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
