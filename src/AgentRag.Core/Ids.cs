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

    /// <summary>True when <paramref name="id"/> has the shape <see cref="New"/> produces for <paramref name="prefix"/>.</summary>
    public static bool IsWellFormed(string? id, string prefix) =>
        id is not null
        && id.Length == prefix.Length + 17
        && id.StartsWith(prefix + "_", StringComparison.Ordinal)
        && id.AsSpan(prefix.Length + 1).IndexOfAnyExcept(Alphabet) < 0;
}
