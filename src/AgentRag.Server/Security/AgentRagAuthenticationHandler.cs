using System.Security.Claims;
using System.Text.Encodings.Web;
using AgentRag.Core;
using AgentRag.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AgentRag.Server.Security;

/// <summary>
/// The one authentication scheme of the API. It reads the credential from <c>Authorization: Bearer …</c> (what OpenAI
/// SDKs send) or <c>X-API-Key</c>: a JWT (three dot-separated parts) goes to the JWT bearer handler and its claims are
/// mapped to tenant and role; anything else is an API key. In required mode a request without a valid credential stays
/// anonymous (the authorization policies then answer 401 saying why). In open mode a valid credential keeps its
/// identity and anything else is the local platform administrator. Challenges and refusals are RFC 9457 ProblemDetails.
/// </summary>
public sealed class AgentRagAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService keys,
    IOptions<AuthOptions> authOptions) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "AgentRag";

    /// <summary>The inner JWT bearer scheme (never a default; this handler calls it).</summary>
    public const string JwtSchemeName = "AgentRagJwt";

    public const string ApiKeyHeader = "X-API-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var options = authOptions.Value;
        var credential = ReadCredential(Request);
        var result = credential is null ? AuthenticateResult.NoResult() : await AuthenticateCredentialAsync(credential, options);

        // Open mode (loopback only) has no boundary to defend: a caller without a valid credential, e.g. an OpenAI SDK
        // that must send some api_key, is the local platform administrator. A valid credential keeps its identity.
        return options.Mode == AuthMode.Open && !result.Succeeded
            ? Success(AgentRagClaims.Create(SchemeName, AgentRagClaims.OpenCredential, AgentRagClaims.OpenModeCaller, Tenancy.DefaultTenant, TenantRole.Admin, platformAdmin: true))
            : result;
    }

    private async Task<AuthenticateResult> AuthenticateCredentialAsync(string credential, AuthOptions options)
    {
        if (LooksLikeJwt(credential))
        {
            return options.Jwt.Enabled
                ? await AuthenticateJwtAsync(options.Jwt)
                : AuthenticateResult.Fail("The bearer token is a JWT, but this server accepts no JWTs (AgentRag:Auth:Jwt is not configured).");
        }

        var (key, rejection) = await keys.AuthenticateAsync(credential, Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail(rejection switch
            {
                ApiKeyRejection.Revoked => "The API key has been revoked.",
                ApiKeyRejection.Expired => "The API key has expired.",
                _ => "The API key is not valid.",
            });
        }

        // Audits name the key by its name and id ("alice (key_…)"): readable, and unambiguous when names repeat.
        var caller = key.Name == key.Id ? key.Id : $"{key.Name} ({key.Id})";
        return Success(AgentRagClaims.Create(SchemeName, "api_key", caller, key.TenantId, key.Role, key.PlatformAdmin));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync(
            StatusCodes.Status401Unauthorized,
            "Unauthorized",
            result.Failure?.Message ?? $"This request needs a credential: send 'Authorization: Bearer <API key or JWT>' or '{ApiKeyHeader}: <API key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This credential may not do this.");

    /// <summary>The credential a request presents: <c>X-API-Key</c>, else a bearer token; null when none.</summary>
    public static string? ReadCredential(HttpRequest request)
    {
        if (request.Headers[ApiKeyHeader].ToString() is { Length: > 0 } apiKey)
        {
            return apiKey.Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7
            ? authorization[7..].Trim()
            : null;
    }

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    private async Task<AuthenticateResult> AuthenticateJwtAsync(JwtOptions jwt)
    {
        var result = await Context.AuthenticateAsync(JwtSchemeName);
        if (!result.Succeeded)
        {
            if (result.Failure is not null and not SecurityTokenException and not ArgumentException)
            {
                Logger.LogWarning(result.Failure, "Validating a bearer token failed unexpectedly.");
            }

            return AuthenticateResult.Fail("The bearer token is not valid: " + DescribeTokenFailure(result.Failure));
        }

        var user = result.Principal;
        var tenant = user.FindFirstValue(jwt.TenantClaim);
        if (!Tenancy.IsValidTenantId(tenant))
        {
            return AuthenticateResult.Fail($"The bearer token has no valid '{jwt.TenantClaim}' claim naming the tenant (AgentRag:Auth:Jwt:TenantClaim).");
        }

        var roleText = user.FindFirstValue(jwt.RoleClaim);
        var platformAdmin = string.Equals(roleText, TenantRoles.PlatformAdmin, StringComparison.OrdinalIgnoreCase);
        var role = TenantRole.Viewer;
        if (platformAdmin)
        {
            role = TenantRole.Admin;
        }
        else if (roleText is not null && !TenantRoles.TryParse(roleText, out role))
        {
            return AuthenticateResult.Fail(
                $"The bearer token's '{jwt.RoleClaim}' claim must be viewer, member, admin or {TenantRoles.PlatformAdmin} (AgentRag:Auth:Jwt:RoleClaim).");
        }

        var name = user.FindFirstValue(jwt.NameClaim) ?? "jwt";
        return Success(AgentRagClaims.Create(SchemeName, "jwt", name, tenant!, role, platformAdmin));
    }

    private static string DescribeTokenFailure(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "it has expired.",
        SecurityTokenNotYetValidException => "it is not valid yet.",
        SecurityTokenInvalidIssuerException => "its issuer is not accepted (AgentRag:Auth:Jwt:Issuer).",
        SecurityTokenInvalidAudienceException => "its audience is not accepted (AgentRag:Auth:Jwt:Audience).",
        SecurityTokenSignatureKeyNotFoundException => "its signature does not verify with any configured key.",
        SecurityTokenInvalidSignatureException => "its signature does not verify.",
        SecurityTokenInvalidAlgorithmException => "its signing algorithm is not accepted.",
        SecurityTokenMalformedException or ArgumentException => "it is malformed.",
        SecurityTokenException => $"it was not accepted ({failure.GetType().Name}).",
        null => "it was not accepted.",
        _ => $"it was not accepted ({failure.GetType().Name}).",
    };

    private AuthenticateResult Success(ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));

    private static bool LooksLikeJwt(string credential) => credential.Count(c => c == '.') == 2;
}
