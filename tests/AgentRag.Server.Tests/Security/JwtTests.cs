using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRag.TestKit;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentRag.Server.Tests.Security;

/// <summary>A server that accepts HS256 tokens with a shared secret, and RS256 and ES256 tokens whose public keys are in a JWKS file.</summary>
public sealed class JwtServerFactory : SecureServerFactory
{
    public const string Issuer = "https://idp.test.example";
    public const string Audience = "agentrag-tests";
    public const string HmacSecret = "hs256-test-secret-0123456789abcdef0123";

    private readonly TempDirectory _jwks = new("agentrag-jwks");

    public JwtServerFactory()
    {
        Rsa = RSA.Create(2048);
        var publicKey = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(Rsa.ExportParameters(false)) { KeyId = "rsa-1" });
        publicKey.Use = "sig";
        publicKey.Alg = SecurityAlgorithms.RsaSha256;
        Ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ecPublicKey = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(Ecdsa.ExportParameters(false))) { KeyId = "ec-1" });
        ecPublicKey.Use = "sig";
        ecPublicKey.Alg = SecurityAlgorithms.EcdsaSha256;
        var path = Path.Combine(_jwks.Path, "jwks.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { keys = new[] { publicKey, ecPublicKey } }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        Settings = new Dictionary<string, string?>
        {
            ["AgentRag:Auth:Jwt:Issuer"] = Issuer,
            ["AgentRag:Auth:Jwt:Audience"] = Audience,
            ["AgentRag:Auth:Jwt:SigningKey"] = HmacSecret,
            ["AgentRag:Auth:Jwt:JwksFile"] = path,
        };
    }

    public RSA Rsa { get; }

    /// <summary>The ES256 (P-256) signing key; its public half is in the JWKS file as <c>ec-1</c>.</summary>
    public ECDsa Ecdsa { get; }

    protected override IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>A token for <paramref name="tenant"/>, valid now by both the wall clock and the server's manual clock unless <paramref name="expired"/>.</summary>
    public string Token(
        string tenant, string? role = null, bool rsa = false, string issuer = Issuer, string audience = Audience, bool expired = false,
        SigningCredentials? signingCredentials = null)
    {
        var now = DateTime.UtcNow;
        var manual = Time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["tenant"] = tenant, ["sub"] = $"user-of-{tenant}" };
        if (role is not null)
        {
            claims["role"] = role;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            Expires = expired ? (now < manual ? now : manual).AddHours(-2) : (now > manual ? now : manual).AddHours(2),
            SigningCredentials = signingCredentials ?? (rsa
                ? new SigningCredentials(new RsaSecurityKey(Rsa) { KeyId = "rsa-1" }, SecurityAlgorithms.RsaSha256)
                : new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(HmacSecret)), SecurityAlgorithms.HmacSha256)),
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Rsa.Dispose();
            Ecdsa.Dispose();
            _jwks.Dispose();
        }
    }
}

/// <summary>JWT bearer tokens: HS256 and RS256 via JWKS accepted; wrong issuer, audience, signature or expiry refused; claims map to tenant and role.</summary>
public sealed class JwtTests(JwtServerFactory factory) : IClassFixture<JwtServerFactory>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ValidToken_Hs256OrRs256ViaJwksFile_IsAccepted(bool rsa)
    {
        using var response = await factory.ClientWith(factory.Token("jwt-ok", "viewer", rsa)).GetAsync("/v1/documents");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ValidToken_Es256ViaJwksFile_IsAcceptedAndAnotherEcKeyIsRefused()
    {
        var signed = factory.Token("jwt-ec", "viewer", signingCredentials: new SigningCredentials(new ECDsaSecurityKey(factory.Ecdsa) { KeyId = "ec-1" }, SecurityAlgorithms.EcdsaSha256));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = factory.Token("jwt-ec", "viewer", signingCredentials: new SigningCredentials(new ECDsaSecurityKey(stranger) { KeyId = "ec-1" }, SecurityAlgorithms.EcdsaSha256));

        using var accepted = await factory.ClientWith(signed).GetAsync("/v1/documents");
        using var refused = await factory.ClientWith(forged).GetAsync("/v1/documents");

        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_WithWrongIssuerAudienceSignatureOrExpiry_Gets401SayingWhy()
    {
        using var otherRsa = RSA.Create(2048);
        var cases = new (string Token, string Reason)[]
        {
            (factory.Token("jwt-bad", issuer: "https://evil.example"), "issuer"),
            (factory.Token("jwt-bad", audience: "someone-else"), "audience"),
            (factory.Token("jwt-bad", expired: true), "expired"),
            (factory.Token("jwt-bad", signingCredentials: new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-secret-0123456789abcdef012345")), SecurityAlgorithms.HmacSha256)), "signature"),
            (factory.Token("jwt-bad", signingCredentials: new SigningCredentials(new RsaSecurityKey(otherRsa) { KeyId = "rsa-1" }, SecurityAlgorithms.RsaSha256)), "signature"),
        };

        foreach (var (token, reason) in cases)
        {
            using var response = await factory.ClientWith(token).GetAsync("/v1/documents");
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, reason);
            body.ShouldContain(reason, Case.Insensitive, body + "\n" + string.Join("\n", factory.Logs.Lines.Where(l => l.Contains("Exception", StringComparison.Ordinal))));
        }
    }

    [Fact]
    public async Task Claims_MapToTenantAndRole()
    {
        var upload = () => new MultipartFormDataContent { { new ByteArrayContent("Tenant-scoped text."u8.ToArray()), "files", "note.txt" } };

        using var asViewer = await factory.ClientWith(factory.Token("jwt-roles", "viewer")).PostAsync("/v1/documents", upload());
        using var asMember = await factory.ClientWith(factory.Token("jwt-roles", "member", rsa: true)).PostAsync("/v1/documents", upload());
        using var otherTenant = await factory.ClientWith(factory.Token("jwt-other", "admin")).GetAsync("/v1/documents");
        using var noRoleReadsOnly = await factory.ClientWith(factory.Token("jwt-roles")).GetAsync("/v1/keys");
        using var platform = await factory.ClientWith(factory.Token("jwt-roles", "platform-admin"), tenantHeader: "jwt-other").GetAsync("/v1/keys");
        using var unknownRole = await factory.ClientWith(factory.Token("jwt-roles", "superuser")).GetAsync("/v1/documents");

        asViewer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        asMember.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await otherTenant.Content.ReadAsStringAsync()).ShouldNotContain("note.txt");
        noRoleReadsOnly.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        platform.StatusCode.ShouldBe(HttpStatusCode.OK);
        unknownRole.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_WithoutTenantClaim_Gets401()
    {
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = JwtServerFactory.Issuer,
            Audience = JwtServerFactory.Audience,
            Expires = DateTime.UtcNow.AddHours(2) > factory.Time.GetUtcNow().UtcDateTime ? DateTime.UtcNow.AddHours(2) : factory.Time.GetUtcNow().UtcDateTime.AddHours(2),
            NotBefore = null,
            IssuedAt = null,
            Claims = new Dictionary<string, object> { ["sub"] = "nobody" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(JwtServerFactory.HmacSecret)), SecurityAlgorithms.HmacSha256),
        });

        using var response = await factory.ClientWith(token).GetAsync("/v1/documents");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).ShouldContain("'tenant' claim");
    }
}
