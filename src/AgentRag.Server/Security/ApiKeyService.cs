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
/// (<c>ark_</c>); the store keeps only their HMAC-SHA256 under the server's key secret (<see cref="AuthOptions.KeySecret"/>),
/// so a stolen database yields no usable key. Verification reads the store every time, so a revocation takes effect at
/// once in every process sharing it. Thread-safe.
/// </summary>
public sealed class ApiKeyService
{
    /// <summary>The start of every key this service issues.</summary>
    public const string KeyPrefix = "ark_";

    /// <summary>How many leading characters of a key are kept, to recognise it in lists.</summary>
    public const int PrefixLength = 12;

    /// <summary>The generated key secret's file in the data folder, when no secret is configured.</summary>
    public const string SecretFileName = "api-key.secret";

    /// <summary>The shortest key <see cref="AuthenticateAsync"/> accepts (configured bootstrap keys included).</summary>
    public const int MinimumKeyLength = 32;

    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly IApiKeyStore _store;
    private readonly TimeProvider _time;
    private readonly Lazy<byte[]> _secret;

    public ApiKeyService(IApiKeyStore store, IOptions<AuthOptions> options, DataFolder dataFolder, TimeProvider time)
    {
        _store = store;
        _time = time;
        _secret = new Lazy<byte[]>(() => Encoding.UTF8.GetBytes(ResolveSecret(options.Value, dataFolder)));
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

        if (await _store.FindByHashAsync(Hash(key), cancellationToken) is { } existing)
        {
            return existing;
        }

        try
        {
            // Derived from the hash, so replicas registering the same key at once collide on the id instead of duplicating it.
            return await RegisterAsync(key, tenantId, role, name, null, platformAdmin, Ids.FromSeed("key", Convert.ToHexString(Hash(key))), cancellationToken);
        }
        catch (InvalidOperationException)
        {
            var raced = await _store.FindByHashAsync(Hash(key), cancellationToken);
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

        var key = await _store.FindByHashAsync(Hash(presented), cancellationToken);
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

    private async Task<ApiKey> RegisterAsync(
        string key, string tenantId, TenantRole role, string? name, DateTimeOffset? expiresAt, bool platformAdmin, string id, CancellationToken cancellationToken)
    {
        name = string.IsNullOrWhiteSpace(name) ? id : name.Trim();
        if (name.Length > 100)
        {
            throw new ArgumentException("A key's name may have at most 100 characters.", nameof(name));
        }

        var record = new ApiKey(id, tenantId, name, role, platformAdmin, key[..PrefixLength], _time.GetUtcNow(), expiresAt, null, null);
        await _store.CreateAsync(record, Hash(key), cancellationToken);
        return record;
    }

    private byte[] Hash(string key) => HMACSHA256.HashData(_secret.Value, Encoding.UTF8.GetBytes(key));

    private static string ResolveSecret(AuthOptions options, DataFolder dataFolder)
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

        return SecretFiles.ReadOrCreate(Path.Combine(SecretsDirectory(dataFolder), SecretFileName), () => SecretFiles.RandomToken(48)).Value;
    }
}
