using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Security;
using AgentRag.Hosting;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag keys</c>, and <c>agentrag serve</c>'s auth modes as a stranger would start them.</summary>
public sealed class KeysCommandTests
{
    [Fact]
    public async Task Keys_CreateListRevoke_ShowsTheKeyOnceAndNeverLists()
    {
        using var data = new TempDirectory();

        var created = await Cli(data, "keys", "create", "--tenant", "acme", "--role", "member", "--name", "ingest bot", "--expires-days", "30", "--json");
        created.ExitCode.ShouldBe(0, created.ToString());
        var key = JsonDocument.Parse(created.StandardOutput).RootElement;
        var secret = key.GetProperty("key").GetString()!;
        var id = key.GetProperty("id").GetString()!;
        (key.GetProperty("tenant").GetString(), key.GetProperty("role").GetString()).ShouldBe(("acme", "member"));
        secret.ShouldStartWith("ark_");

        var listed = await Cli(data, "keys", "list", "--tenant", "acme");
        listed.ExitCode.ShouldBe(0, listed.ToString());
        listed.StandardOutput.ShouldContain(id);
        listed.StandardOutput.ShouldContain("active");
        listed.StandardOutput.ShouldNotContain(secret);
        (await Cli(data, "keys", "list", "--tenant", "other")).StandardOutput.ShouldContain("No keys.");

        var revoked = await Cli(data, "keys", "revoke", id);
        revoked.ExitCode.ShouldBe(0, revoked.ToString());
        (await Cli(data, "keys", "list", "--tenant", "acme")).StandardOutput.ShouldContain("revoked");
        (await Cli(data, "keys", "revoke", "key_0000000000000000")).ExitCode.ShouldBe(4);
        (await Cli(data, "keys", "create", "--role", "owner")).ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task Serve_OpenModeOnANonLoopbackAddress_ExitsWithTheConfigurationCodeNamingTheSetting()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(
            ["serve", "--urls", $"http://0.0.0.0:{FreePort.Next()}", "--data", data.Path, "--log-format", "text"], timeout: TimeSpan.FromMinutes(2));

        result.ExitCode.ShouldBe(3, result.ToString());
        result.StandardError.ShouldContain("AgentRag:Auth:Mode");
        result.StandardError.ShouldContain("--auth required");
    }

    [Fact]
    public async Task Serve_RequiredModeOnAFreshFolder_BootstrapKeyWorksAndAppearsInNoLog()
    {
        using var data = new TempDirectory();
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        string key;
        await using (var server = CliProcess.Start(["serve", "--urls", url, "--data", data.Path, "--log-format", "json", "--auth", "required"]))
        {
            await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            var path = Path.Combine(data.Path, "secrets", "bootstrap-admin.key");
            key = (await File.ReadAllTextAsync(path)).Trim();
            using var http = new HttpClient { BaseAddress = new Uri(url) };

            using var anonymous = await http.GetAsync("/v1/documents");
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/keys") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key) } };
            using var withKey = await http.SendAsync(request);

            anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            withKey.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await withKey.Content.ReadAsStringAsync()).ShouldContain("\"platformAdmin\":true");
            server.Kill();
            var output = await server.WaitForExitAsync(TimeSpan.FromMinutes(1));
            output.StandardError.ShouldContain("bootstrap-admin.key");
            output.ToString().ShouldNotContain(key);
        }
    }

    [Fact]
    public async Task Serve_RequiredModeOnAFreshFolder_NoCredentialRevokedKeyAndExpiredKeyGet401()
    {
        using var data = new TempDirectory();
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var server = CliProcess.Start(["serve", "--urls", url, "--data", data.Path, "--log-format", "text", "--auth", "required"]);
        await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        // A key made by `agentrag keys create` beside the running server works, and `keys revoke` ends it at its next request.
        var created = await Cli(data, "keys", "create", "--tenant", "acme", "--role", "viewer", "--json");
        created.ExitCode.ShouldBe(0, created.ToString());
        var key = JsonDocument.Parse(created.StandardOutput).RootElement;
        using var anonymous = await http.GetAsync("/v1/documents");
        using var beforeRevoke = await GetDocumentsAsync(http, key.GetProperty("key").GetString()!);
        (await Cli(data, "keys", "revoke", key.GetProperty("id").GetString()!)).ExitCode.ShouldBe(0);
        using var afterRevoke = await GetDocumentsAsync(http, key.GetProperty("key").GetString()!);

        // A key whose expiry has passed: issued beside the server by the product's key service on a clock two days back.
        var expired = await CreateKeyOnAClockAsync(data, new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(-2)), TimeSpan.FromDays(1));
        using var afterExpiry = await GetDocumentsAsync(http, expired);

        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        anonymous.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        beforeRevoke.StatusCode.ShouldBe(HttpStatusCode.OK);
        afterRevoke.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await afterRevoke.Content.ReadAsStringAsync()).ShouldContain("revoked");
        afterExpiry.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await afterExpiry.Content.ReadAsStringAsync()).ShouldContain("expired");
    }

    private static async Task<HttpResponseMessage> GetDocumentsAsync(HttpClient http, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key) } };
        return await http.SendAsync(request);
    }

    /// <summary>
    /// Creates a viewer key of tenant <c>acme</c> in <paramref name="data"/> as <c>agentrag keys create</c> does (the same
    /// composition over the same folder), but on <paramref name="clock"/>, expiring <paramref name="lifetime"/> after its now.
    /// </summary>
    private static async Task<string> CreateKeyOnAClockAsync(TempDirectory data, TimeProvider clock, TimeSpan lifetime)
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().Build();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAgentRag(backends => backends.UseConfiguration(configuration, new DataFolder(data.Path)));
        services.AddApiKeys();
        services.AddSingleton(clock);
        await using var provider = services.BuildServiceProvider();
        var issued = await provider.GetRequiredService<ApiKeyService>().CreateAsync("acme", TenantRole.Viewer, "short-lived", clock.GetUtcNow() + lifetime);
        return issued.Key;
    }

    private static Task<CliResult> Cli(TempDirectory data, params string[] arguments) =>
        CliProcess.RunAsync([.. arguments, "--data", data.Path, "--log-format", "text"]);
}
