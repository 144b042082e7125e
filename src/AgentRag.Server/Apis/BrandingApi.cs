using System.Text.RegularExpressions;
using AgentRag.Core.Branding;
using AgentRag.Server.Auditing;
using AgentRag.Server.Branding;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/tenant/branding</c>: how the console presents the tenant, its product name, colours and logo. Every member of
/// the tenant reads it (the console applies it); a tenant admin changes it.
/// </summary>
public static partial class BrandingApi
{
    /// <summary>The longest product name.</summary>
    public const int MaxProductNameLength = 60;

    /// <summary>The logo types accepted: raster formats only (an SVG may carry script).</summary>
    public static IReadOnlyList<string> LogoTypes { get; } = ["image/png", "image/jpeg", "image/webp"];

    public static RouteGroupBuilder MapBrandingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/tenant/branding").WithTags("Branding").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapGet("/", GetAsync).WithName("GetBranding").WithSummary("The tenant's product name, colours and whether it has a logo.");
        api.MapPut("/", PutAsync).WithName("PutBranding").WithSummary("Set the tenant's product name and colours (#rrggbb); null keeps the console's default.")
            .RequireAuthorization(AuthPolicies.Admin).DisableAntiforgery().Accepts<BrandingBody>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).Audited(AuditActions.BrandingUpdate);
        api.MapGet("/logo", GetLogoAsync).WithName("GetBrandingLogo").WithSummary("The tenant's logo image.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/logo", PutLogoAsync).WithName("PutBrandingLogo").WithSummary("Upload the tenant's logo: the image as the body (PNG, JPEG or WebP).")
            .RequireAuthorization(AuthPolicies.Admin).DisableAntiforgery().AcceptsBinary([.. LogoTypes])
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .Audited(AuditActions.BrandingUpdate);
        api.MapDelete("/logo", DeleteLogoAsync).WithName("DeleteBrandingLogo").WithSummary("Remove the tenant's logo.")
            .RequireAuthorization(AuthPolicies.Admin).Audited(AuditActions.BrandingUpdate);
        return api;
    }

    /// <summary>The branding to set; every field is optional (null: the console's default).</summary>
    public sealed record BrandingBody(string? ProductName = null, string? PrimaryColor = null, string? AccentColor = null);

    /// <summary>The tenant's branding; <see cref="LogoUrl"/> is null when it has no logo.</summary>
    public sealed record BrandingResponse(string? ProductName, string? PrimaryColor, string? AccentColor, string? LogoUrl, DateTimeOffset? UpdatedAt)
    {
        public static BrandingResponse From(TenantBranding? branding) => branding is null
            ? new(null, null, null, null, null)
            : new(branding.ProductName, branding.PrimaryColor, branding.AccentColor,
                branding.HasLogo ? $"/v1/tenant/branding/logo?v={branding.UpdatedAt.ToUnixTimeMilliseconds()}" : null, branding.UpdatedAt);
    }

    internal static async Task<Ok<BrandingResponse>> GetAsync(TenantId tenant, ITenantBrandingStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(BrandingResponse.From(await store.GetAsync(tenant.Value, cancellationToken)));

    internal static async Task<Results<Ok<BrandingResponse>, ProblemHttpResult>> PutAsync(
        HttpContext httpContext, TenantId tenant, ITenantBrandingStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<BrandingBody>(httpContext.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var name = string.IsNullOrWhiteSpace(body!.ProductName) ? null : body.ProductName.Trim();
        if (name is not null && (name.Length > MaxProductNameLength || name.Any(char.IsControl)))
        {
            return JsonBody.Invalid($"'productName' must be 1–{MaxProductNameLength} characters without control characters; got {name.Length} characters.");
        }

        if ((InvalidColor("primaryColor", body.PrimaryColor) ?? InvalidColor("accentColor", body.AccentColor)) is { } colorProblem)
        {
            return colorProblem;
        }

        var existing = await store.GetAsync(tenant.Value, cancellationToken);
        var branding = new TenantBranding(tenant.Value, name, body.PrimaryColor?.ToLowerInvariant(), body.AccentColor?.ToLowerInvariant(), existing?.HasLogo ?? false,
            time.GetUtcNow());
        await store.SaveAsync(branding, cancellationToken);
        return TypedResults.Ok(BrandingResponse.From(branding));
    }

    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetLogoAsync(
        TenantId tenant, HttpContext httpContext, ITenantBrandingStore store, CancellationToken cancellationToken)
    {
        if (await store.GetLogoAsync(tenant.Value, cancellationToken) is not { } logo)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No logo", detail: "This tenant has no logo; an admin uploads one with PUT /v1/tenant/branding/logo.");
        }

        httpContext.Response.Headers.CacheControl = "private, no-cache";
        return TypedResults.File(logo.Content, logo.ContentType, lastModified: logo.UpdatedAt);
    }

    internal static async Task<Results<Ok<BrandingResponse>, ProblemHttpResult>> PutLogoAsync(
        HttpRequest request, TenantId tenant, ITenantBrandingStore store, IOptions<BrandingOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var type = request.ContentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        if (type is null || !LogoTypes.Contains(type))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported logo type",
                detail: $"Send the logo as the request body with Content-Type {string.Join(", ", LogoTypes)}; got '{request.ContentType}'.");
        }

        var max = options.Value.MaxLogoBytes;
        if (request.ContentLength > max)
        {
            return LogoTooLarge(max);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return LogoTooLarge(max);
            }

            buffer.Write(chunk, 0, read);
        }

        var content = buffer.ToArray();
        if (!LooksLike(type, content))
        {
            return JsonBody.Invalid($"The body is not a {type} image (its first bytes are not that format's signature).");
        }

        var now = time.GetUtcNow();
        await store.SaveLogoAsync(tenant.Value, new BrandingLogo(type, content, now), now, cancellationToken);
        return TypedResults.Ok(BrandingResponse.From(await store.GetAsync(tenant.Value, cancellationToken)));
    }

    internal static async Task<Ok<BrandingResponse>> DeleteLogoAsync(
        TenantId tenant, ITenantBrandingStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        await store.SaveLogoAsync(tenant.Value, null, time.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(BrandingResponse.From(await store.GetAsync(tenant.Value, cancellationToken)));
    }

    private static ProblemHttpResult? InvalidColor(string field, string? value) =>
        value is null || HexColor().IsMatch(value)
            ? null
            : JsonBody.Invalid($"'{field}' must be a colour as #rrggbb (e.g. #1a73e8); got '{value}'.");

    private static ProblemHttpResult LogoTooLarge(int max) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Logo too large",
            detail: $"A logo may have at most {max:N0} bytes ({BrandingOptions.SectionName}:{nameof(BrandingOptions.MaxLogoBytes)}).");

    /// <summary>True when <paramref name="content"/> starts with the signature of <paramref name="type"/>.</summary>
    private static bool LooksLike(string type, ReadOnlySpan<byte> content) => type switch
    {
        "image/png" => content.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/jpeg" => content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
        "image/webp" => content.Length >= 12 && content[..4].SequenceEqual("RIFF"u8) && content[8..12].SequenceEqual("WEBP"u8),
        _ => false,
    };

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex HexColor();
}
