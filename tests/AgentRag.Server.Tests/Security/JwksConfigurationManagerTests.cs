using System.Security.Cryptography;
using System.Text.Json;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace AgentRag.Server.Tests.Security;

/// <summary>Signing keys from a JWKS URL: fetched at first use, again after the refresh interval, the last good set kept on failure.</summary>
public sealed class JwksConfigurationManagerTests
{
    [Fact]
    public async Task GetConfigurationAsync_FromUrl_RefreshesAfterTheIntervalAndKeepsTheLastGoodSetOnFailure()
    {
        var served = new[] { Jwks("first") };
        var fail = false;
        var requests = 0;
        await using var server = await LoopbackHttpServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref requests);
            if (fail)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(served[0]);
        });
        var time = new ManualTimeProvider();
        var options = new JwtOptions { JwksUrl = new Uri(server.Address, "jwks.json"), RequireHttpsMetadata = false, JwksRefreshInterval = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient();
        var manager = new JwksConfigurationManager(options, http, time);

        var first = await manager.GetConfigurationAsync(CancellationToken.None);
        served[0] = Jwks("second");
        var cached = await manager.GetConfigurationAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(10));
        var refreshed = await manager.GetConfigurationAsync(CancellationToken.None);
        fail = true;
        time.Advance(TimeSpan.FromMinutes(10));
        var kept = await manager.GetConfigurationAsync(CancellationToken.None);

        first.SigningKeys.Single().KeyId.ShouldBe("first");
        cached.SigningKeys.Single().KeyId.ShouldBe("first");
        refreshed.SigningKeys.Single().KeyId.ShouldBe("second");
        kept.SigningKeys.Single().KeyId.ShouldBe("second");
        requests.ShouldBe(3);
    }

    [Fact]
    public void Constructor_HttpJwksUrlWithHttpsRequired_ThrowsNamingTheSetting()
    {
        var options = new JwtOptions { JwksUrl = new Uri("http://idp.example/jwks.json") };

        Should.Throw<InvalidOperationException>(() => new JwksConfigurationManager(options, new HttpClient(), TimeProvider.System))
            .Message.ShouldContain("AgentRag:Auth:Jwt:RequireHttpsMetadata");
    }

    private static string Jwks(string keyId)
    {
        using var rsa = RSA.Create(2048);
        var key = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = keyId });
        key.Use = "sig";
        return JsonSerializer.Serialize(new { keys = new[] { new { kty = key.Kty, kid = key.Kid, use = key.Use, n = key.N, e = key.E } } });
    }
}
