using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentRag.Core;
using AgentRag.Core.Sharing;
using AgentRag.Server.Security;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Sharing;

/// <summary>A share link as created: the record and its token, which is shown to its creator and never stored.</summary>
public sealed record IssuedShareLink(ShareLink Link, string Token);

/// <summary>Why a presented share token does not open an answer.</summary>
public enum ShareLinkRejection
{
    None,

    /// <summary>Malformed, forged (bad signature) or naming no stored link.</summary>
    Unknown,
    Revoked,
    Expired,
}

/// <summary>
/// Creates, resolves and revokes share links (docs/adr/0038-share-links-and-page-images.md). A token is
/// <c>ars_&lt;payload&gt;.&lt;signature&gt;</c>: the payload (base64url) names the tenant, the link and its expiry, and the
/// signature is its HMAC-SHA256 under a key derived from the server's key secret
/// (<see cref="ApiKeyService.DeriveSigningKeyAsync"/>). A forged or altered token fails the signature check before any
/// database read; a genuine one is then checked against its stored record, which is what a revocation changes, and is
/// only ever resolved within the tenant it names. Thread-safe.
/// </summary>
public sealed class ShareLinkService(IShareLinkStore store, ApiKeyService keys, IOptions<SharingOptions> options, TimeProvider time)
{
    /// <summary>The start of every share token.</summary>
    public const string TokenPrefix = "ars_";

    /// <summary>The id prefix of share links.</summary>
    public const string IdPrefix = "shr";

    /// <summary>The longest token <see cref="ResolveAsync"/> reads.</summary>
    public const int MaxTokenLength = 512;

    private const string SigningPurpose = "share-links";

    private byte[]? _signingKey;

    /// <summary>
    /// Creates a link to <paramref name="workflowId"/> of <paramref name="tenantId"/> that works for
    /// <paramref name="lifetime"/> (else <see cref="SharingOptions.DefaultLifetime"/>). Throws
    /// <see cref="ArgumentOutOfRangeException"/> for a lifetime that is not positive or over <see cref="SharingOptions.MaxLifetime"/>.
    /// </summary>
    public async Task<IssuedShareLink> CreateAsync(
        string tenantId, string workflowId, string createdBy, TimeSpan? lifetime, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        var settings = options.Value;
        var span = lifetime ?? settings.DefaultLifetime;
        if (span <= TimeSpan.Zero || span > settings.MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), span,
                $"A share link's lifetime must be more than zero and at most {settings.MaxLifetime.TotalHours:0.##} hours ({SharingOptions.SectionName}:{nameof(SharingOptions.MaxLifetime)}).");
        }

        var now = time.GetUtcNow();

        // Whole seconds: the token carries the expiry as Unix seconds, and the record must say the same.
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds((now + span).ToUnixTimeSeconds());
        var link = new ShareLink(Ids.New(IdPrefix), tenantId, workflowId, createdBy, now, expiresAt, null);
        await store.CreateAsync(link, cancellationToken);
        return new IssuedShareLink(link, await SignAsync(link, cancellationToken));
    }

    /// <summary>The link <paramref name="token"/> opens, or why it opens none.</summary>
    public async Task<(ShareLink? Link, ShareLinkRejection Rejection)> ResolveAsync(string token, CancellationToken cancellationToken = default)
    {
        if (await VerifyAsync(token, cancellationToken) is not { } claims)
        {
            return (null, ShareLinkRejection.Unknown);
        }

        var link = await store.GetAsync(claims.TenantId, claims.LinkId, cancellationToken);
        if (link is null)
        {
            return (null, ShareLinkRejection.Unknown);
        }

        if (link.RevokedAt is not null)
        {
            return (link, ShareLinkRejection.Revoked);
        }

        var now = time.GetUtcNow();
        return now >= link.ExpiresAt || now >= claims.ExpiresAt ? (link, ShareLinkRejection.Expired) : (link, ShareLinkRejection.None);
    }

    public Task<IReadOnlyList<ShareLink>> ListAsync(string tenantId, string? workflowId, int limit, CancellationToken cancellationToken = default) =>
        store.ListAsync(tenantId, workflowId, limit, cancellationToken);

    /// <summary>Revokes the tenant's link <paramref name="id"/>; null when unknown. Idempotent.</summary>
    public Task<ShareLink?> RevokeAsync(string tenantId, string id, CancellationToken cancellationToken = default) =>
        store.RevokeAsync(tenantId, id, time.GetUtcNow(), cancellationToken);

    private async Task<string> SignAsync(ShareLink link, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(string.Join('\n', link.TenantId, link.Id, link.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        var signature = HMACSHA256.HashData(await SigningKeyAsync(cancellationToken), payload);
        return TokenPrefix + Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The tenant, link and expiry a well-formed, correctly signed token names; null for any other string.</summary>
    private async Task<(string TenantId, string LinkId, DateTimeOffset ExpiresAt)?> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = token[TokenPrefix.Length..].Split('.');
        if (parts.Length != 2 || !Base64Url.IsValid(parts[0]) || !Base64Url.IsValid(parts[1]))
        {
            return null;
        }

        var payload = Base64Url.DecodeFromChars(parts[0]);
        var signature = Base64Url.DecodeFromChars(parts[1]);
        var expected = HMACSHA256.HashData(await SigningKeyAsync(cancellationToken), payload);
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            return null;
        }

        var fields = Encoding.UTF8.GetString(payload).Split('\n');
        return fields.Length == 3
            && Tenancy.IsValidTenantId(fields[0])
            && Ids.IsWellFormed(fields[1], IdPrefix)
            && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            && expiry <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? (fields[0], fields[1], DateTimeOffset.FromUnixTimeSeconds(expiry))
            : null;
    }

    private async Task<byte[]> SigningKeyAsync(CancellationToken cancellationToken) =>
        _signingKey ??= await keys.DeriveSigningKeyAsync(SigningPurpose, cancellationToken);
}
