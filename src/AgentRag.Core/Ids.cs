using System.Security.Cryptography;

namespace AgentRag.Core;

/// <summary>Creates record identifiers: a type prefix and 16 random lower-case base-32 characters, e.g. <c>doc_3f9k…</c>.</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(prefix.Length + 1 + 16, (prefix, bytes.ToArray()), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            for (var i = 0; i < 16; i++)
            {
                span[state.prefix.Length + 1 + i] = Alphabet[state.Item2[i] & 31];
            }
        });
    }

    /// <summary>
    /// A deterministic identifier of the same shape as <see cref="New"/>: the prefix and the first 80 bits of the
    /// SHA-256 of <paramref name="seed"/>. Re-deriving from the same seed yields the same id (e.g. chunk ids from
    /// document id and ordinal, so re-running ingestion reproduces them).
    /// </summary>
    public static string FromSeed(string prefix, string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));
        return string.Create(prefix.Length + 1 + 16, (prefix, hash), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            for (var i = 0; i < 16; i++)
            {
                // 16 characters of 5 bits each, read from the hash's first 10 bytes.
                var bit = i * 5;
                var value = ((state.hash[bit / 8] << 8) | state.hash[(bit / 8) + 1]) >> (11 - (bit % 8));
                span[state.prefix.Length + 1 + i] = Alphabet[value & 31];
            }
        });
    }

    /// <summary>True when <paramref name="id"/> has the shape <see cref="New"/> produces for <paramref name="prefix"/>.</summary>
    public static bool IsWellFormed(string? id, string prefix) =>
        id is not null
        && id.Length == prefix.Length + 17
        && id.StartsWith(prefix + "_", StringComparison.Ordinal)
        && id.AsSpan(prefix.Length + 1).IndexOfAnyExcept(Alphabet) < 0;
}
