using AgentRag.Core.Security;
using AgentRag.Server.Auditing;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/keys</c>: a tenant admin lists, creates and revokes the tenant's API keys. A created key is in the response
/// once and never again (only its hash is kept). Only a platform administrator may create platform-admin keys.
/// </summary>
public static class KeysApi
{
    /// <summary>Longest lifetime a key can be given, in days.</summary>
    public const int MaxExpiryDays = 3650;

    public static RouteGroupBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/keys").WithTags("Keys").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        api.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("The tenant's API keys (never the secrets).");
        api.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create an API key; its secret is shown once.").Accepts<CreateKeyBody>("application/json").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).Audited(AuditActions.KeyCreate);
        api.MapDelete("/{id}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke an API key.").ProducesProblem(StatusCodes.Status404NotFound).Audited(AuditActions.KeyRevoke);
        return api;
    }

    /// <summary>A key to create: its role (<c>viewer</c>, <c>member</c> or <c>admin</c>), an optional name and lifetime.</summary>
    public sealed record CreateKeyBody(string? Role, string? Name = null, int? ExpiresInDays = null, bool? PlatformAdmin = null);

    /// <summary>A key's public record (never the key).</summary>
    public sealed record KeyResponse(
        string Id, string Tenant, string Name, string Role, bool PlatformAdmin, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
        DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
    {
        public static KeyResponse From(ApiKey key) => new(
            key.Id, key.TenantId, key.Name, TenantRoles.Name(key.Role), key.PlatformAdmin, key.Prefix, key.CreatedAt, key.ExpiresAt, key.LastUsedAt, key.RevokedAt);
    }

    /// <summary>A created key: <see cref="Key"/> is shown this once.</summary>
    public sealed record CreatedKeyResponse(string Id, string Key, string Tenant, string Role, bool PlatformAdmin, DateTimeOffset? ExpiresAt) : IAuditTarget
    {
        string? IAuditTarget.AuditTarget => Id;
    }

    internal static async Task<Ok<IReadOnlyList<KeyResponse>>> ListAsync(TenantId tenant, ApiKeyService keys, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<KeyResponse>>((await keys.ListAsync(tenant.Value, cancellationToken)).Select(KeyResponse.From).ToList());

    internal static async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> CreateAsync(
        HttpContext httpContext, TenantId tenant, ApiKeyService keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateKeyBody>(httpContext.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!TenantRoles.TryParse(body!.Role, out var role))
        {
            return JsonBody.Invalid($"'role' must be viewer, member or admin; got '{body.Role}'.");
        }

        if (body.ExpiresInDays is < 1 or > MaxExpiryDays)
        {
            return JsonBody.Invalid($"'expiresInDays' must be between 1 and {MaxExpiryDays}; got {body.ExpiresInDays}.");
        }

        if (body.Name is { Length: > 100 })
        {
            return JsonBody.Invalid("'name' may have at most 100 characters.");
        }

        if (body.PlatformAdmin == true && (role != TenantRole.Admin || !AgentRagClaims.IsPlatformAdmin(httpContext.User)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "Only a platform administrator may create a platform-admin key, and its role must be admin.");
        }

        var expiresAt = body.ExpiresInDays is { } days ? time.GetUtcNow().AddDays(days) : (DateTimeOffset?)null;
        var issued = await keys.CreateAsync(tenant.Value, role, body.Name, expiresAt, body.PlatformAdmin == true, cancellationToken);
        var record = issued.Record;
        return TypedResults.Created(
            $"/v1/keys/{record.Id}",
            new CreatedKeyResponse(record.Id, issued.Key, record.TenantId, TenantRoles.Name(record.Role), record.PlatformAdmin, record.ExpiresAt));
    }

    internal static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> RevokeAsync(
        string id, TenantId tenant, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(id, tenant.Value, cancellationToken) is { } revoked
            ? TypedResults.Ok(KeyResponse.From(revoked))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Key not found", detail: $"No API key '{id}' exists for this tenant.");
}
