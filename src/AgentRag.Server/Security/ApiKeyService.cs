using System.Security.Cryptography;
using System.Text;
using AgentRag.Core;
using AgentRag.Core.Security;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Security;

/// <summary>An API key as issued: the record and the key itself, which is shown once and never stored.</summary>
public sealed record IssuedApiKey(ApiKey Record, string Key);

/// <summary>Why a presented API key was refused.</summary>
public enum ApiKeyRejection
{
    Unknown,
    Revoked,
    Expired,
}

/// <summary>
/// Issues, verifies and revokes API keys. Keys are 256-bit random strings with a recognisable prefix
/// (<c>ark_</c>); the store keeps only their HMAC-SHA256 under the server's key secret (<see cref="AuthOptions.KeySecret"/>,
/// else the one the store shares between its processes: <see cref="IApiKeyStore.GetOrCreateKeySecretAsync"/>), so a
/// stolen list of hashes yields no usable key. Verification reads the store every time, so a revocation takes effect at
/// once in every process sharing it. Thread-safe.
/// </summary>
public sealed class ApiKeyService
{
    /// <summary>The start of every key this service issues.</summary>
    public const string KeyPrefix = "ark_";

    /// <summary>How many leading characters of a key are kept, to recognise it in lists.</summary>
    public const int PrefixLength = 12;

    /// <summary>The shortest key <see cref="AuthenticateAsync"/> accepts (configured bootstrap keys included).</summary>
    public const int MinimumKeyLength = 32;

    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly IApiKeyStore _store;
    private readonly TimeProvider _time;
    private readonly AuthOptions _options;
    private readonly SemaphoreSlim _secretGate = new(1, 1);
    private volatile byte[]? _secret;

    public ApiKeyService(IApiKeyStore store, IOptions<AuthOptions> options, TimeProvider time)
    {
        _store = store;
        _time = time;
        _options = options.Value;
    }

    /// <summary>The folder in a data folder that holds generated secrets (owner-only).</summary>
    public static string SecretsDirectory(DataFolder dataFolder) => Path.Combine(dataFolder.Root, "secrets");

    /// <summary>Creates a key for <paramref name="tenantId"/>. Throws <see cref="ArgumentException"/> for an invalid tenant, name or expiry.</summary>
    public async Task<IssuedApiKey> CreateAsync(
        string tenantId, TenantRole role, string? name, DateTimeOffset? expiresAt, bool platformAdmin = false, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        var now = _time.GetUtcNow();
        if (expiresAt is { } expiry && expiry <= now)
        {
            throw new ArgumentException($"The expiry ({expiry:O}) must be in the future.", nameof(expiresAt));
        }

        var key = KeyPrefix + SecretFiles.RandomToken(32);
        var record = await RegisterAsync(key, tenantId, role, name, expiresAt, platformAdmin, Ids.New("key"), cancellationToken);
        return new IssuedApiKey(record, key);
    }

    /// <summary>
    /// Registers a key that was made elsewhere (a configured bootstrap key) unless its hash is known already. Returns the
    /// stored record (the existing one when known).
    /// </summary>
    public async Task<ApiKey> EnsureRegisteredAsync(string key, string tenantId, TenantRole role, string name, bool platformAdmin, CancellationToken cancellationToken = default)
    {
        if (key.Length < MinimumKeyLength)
        {
            throw new ArgumentException($"A key must be at least {MinimumKeyLength} characters.", nameof(key));
        }

        var hash = await HashAsync(key, cancellationToken);
        if (await _store.FindByHashAsync(hash, cancellationToken) is { } existing)
        {
            return existing;
        }

        try
        {
            // Derived from the hash, so replicas registering the same key at once collide on the id instead of duplicating it.
            return await RegisterAsync(key, tenantId, role, name, null, platformAdmin, Ids.FromSeed("key", Convert.ToHexString(hash)), cancellationToken);
        }
        catch (InvalidOperationException)
        {
            var raced = await _store.FindByHashAsync(hash, cancellationToken);
            if (raced is null)
            {
                throw;
            }

            return raced;
        }
    }

    /// <summary>The active key <paramref name="presented"/> is, or why it is refused. Records its use (at most once a minute).</summary>
    public async Task<(ApiKey? Key, ApiKeyRejection Rejection)> AuthenticateAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (presented.Length < MinimumKeyLength || presented.Length > 512)
        {
            return (null, ApiKeyRejection.Unknown);
        }

        var key = await _store.FindByHashAsync(await HashAsync(presented, cancellationToken), cancellationToken);
        var now = _time.GetUtcNow();
        if (key is null)
        {
            return (null, ApiKeyRejection.Unknown);
        }

        if (key.RevokedAt is not null)
        {
            return (null, ApiKeyRejection.Revoked);
        }

        if (!key.IsActiveAt(now))
        {
            return (null, ApiKeyRejection.Expired);
        }

        if (key.LastUsedAt is not { } used || now - used >= LastUsedResolution)
        {
            await _store.TouchAsync(key.Id, now, cancellationToken);
        }

        return (key, default);
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(string? tenantId, CancellationToken cancellationToken = default) =>
        _store.ListAsync(tenantId, cancellationToken);

    /// <summary>Revokes key <paramref name="id"/> (of <paramref name="tenantId"/> only, when given); null when no such key. Idempotent.</summary>
    public Task<ApiKey?> RevokeAsync(string id, string? tenantId, CancellationToken cancellationToken = default) =>
        _store.RevokeAsync(id, tenantId, _time.GetUtcNow(), cancellationToken);

    /// <summary>True when any key was ever created.</summary>
    public Task<bool> AnyAsync(CancellationToken cancellationToken = default) => _store.AnyAsync(cancellationToken);

    /// <summary>
    /// A 256-bit key for signing tokens of <paramref name="purpose"/> (share links), derived from the key secret with
    /// HMAC-SHA256, so every process sharing the secret derives the same key and a signature made for one purpose never
    /// verifies for another (or as a key hash).
    /// </summary>
    public async Task<byte[]> DeriveSigningKeyAsync(string purpose, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        return HMACSHA256.HashData(await SecretAsync(cancellationToken), Encoding.UTF8.GetBytes("agentrag-signing-key:" + purpose));
    }

    private async Task<ApiKey> RegisterAsync(
        string key, string tenantId, TenantRole role, string? name, DateTimeOffset? expiresAt, bool platformAdmin, string id, CancellationToken cancellationToken)
    {
        name = string.IsNullOrWhiteSpace(name) ? id : name.Trim();
        if (name.Length > 100)
        {
            throw new ArgumentException("A key's name may have at most 100 characters.", nameof(name));
        }

        var record = new ApiKey(id, tenantId, name, role, platformAdmin, key[..PrefixLength], _time.GetUtcNow(), expiresAt, null, null);
        await _store.CreateAsync(record, await HashAsync(key, cancellationToken), cancellationToken);
        return record;
    }

    private async Task<byte[]> HashAsync(string key, CancellationToken cancellationToken) =>
        HMACSHA256.HashData(await SecretAsync(cancellationToken), Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// The configured secret, else the store's shared one (created on first use). Resolved once; a failure (a database
    /// that is down) is not remembered, so the next request tries again.
    /// </summary>
    private async Task<byte[]> SecretAsync(CancellationToken cancellationToken)
    {
        if (_secret is { } known)
        {
            return known;
        }

        await _secretGate.WaitAsync(cancellationToken);
        try
        {
            return _secret ??= Encoding.UTF8.GetBytes(ResolveConfiguredSecret(_options)
                ?? await _store.GetOrCreateKeySecretAsync(static () => SecretFiles.RandomToken(48), cancellationToken));
        }
        finally
        {
            _secretGate.Release();
        }
    }

    private static string? ResolveConfiguredSecret(AuthOptions options)
    {
        if (options.KeySecret is { } configured)
        {
            return configured;
        }

        if (options.KeySecretFile is { } file)
        {
            var fromFile = SecretFiles.Read(file, $"{AuthOptions.SectionName}:{nameof(AuthOptions.KeySecretFile)}");
            return fromFile.Length >= 32
                ? fromFile
                : throw new InvalidOperationException($"The key secret in '{file}' ({AuthOptions.SectionName}:{nameof(AuthOptions.KeySecretFile)}) must have at least 32 characters.");
        }

        return null;
    }
}
