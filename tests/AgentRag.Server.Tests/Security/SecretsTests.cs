using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AgentRag.Core.Security;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentRag.Server.Tests.Security;

/// <summary>A server with every kind of secret configured: the key secret, a JWT signing key, and a model API key.</summary>
public sealed class SecretsServerFactory : SecureServerFactory, IAsyncLifetime
{
    public const string JwtSigningKey = "jwt-signing-secret-do-not-leak-0123456789";
    public const string ModelApiKey = "sk-model-api-key-do-not-leak-0123456789";

    private OpenAiTestServer? _model;

    public OpenAiTestServer Model => _model!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRag:Auth:Jwt:SigningKey"] = JwtSigningKey,
        ["OPENAI_BASE_URL"] = Model.BaseUrl.ToString(),
        ["OPENAI_API_KEY"] = ModelApiKey,
        ["AGENTRAG_CHAT_MODEL"] = "primary-model",
        ["AgentRag:Models:Resilience:MaxRetries"] = "0",
    };

    public async Task InitializeAsync()
    {
        _model = await OpenAiTestServer.StartAsync();
        _model.RequiredApiKey = ModelApiKey;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        await Model.DisposeAsync();
    }
}

/// <summary>Keys, JWT secrets and model API keys appear in no log line, trace tag, error body or OpenAPI document.</summary>
public sealed class SecretsTests(SecretsServerFactory server) : IClassFixture<SecretsServerFactory>
{
    [Fact]
    public async Task Secrets_AppearInNoLogTraceErrorOrOpenApi()
    {
        var tags = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                tags.Enqueue(activity.DisplayName);
                foreach (var (key, value) in activity.TagObjects)
                {
                    tags.Enqueue($"{key}={value}");
                }

                foreach (var e in activity.Events)
                {
                    tags.Enqueue($"{e.Name} {string.Join(",", e.Tags.Select(t => $"{t.Key}={t.Value}"))}");
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var admin = await server.CreateKeyAsync("secrets", TenantRole.Admin);
        var revoked = await server.CreateKeyAsync("secrets", TenantRole.Member);
        await server.Keys.RevokeAsync(revoked.Record.Id, null);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["tenant"] = "secrets", ["role"] = "admin", ["sub"] = "jwt-user" },
            Expires = DateTime.UtcNow.AddHours(2) > server.Time.GetUtcNow().UtcDateTime ? DateTime.UtcNow.AddHours(2) : server.Time.GetUtcNow().UtcDateTime.AddHours(2),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SecretsServerFactory.JwtSigningKey)), SecurityAlgorithms.HmacSha256),
        });
        var bodies = new StringBuilder();
        async Task Capture(HttpResponseMessage response)
        {
            bodies.AppendLine(await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        // Requests that succeed, fail authentication, fail authorization, and make model calls that succeed and fail.
        server.Model.Chat.Enqueue(ScriptedResponse.Reply("The answer [1]."));
        server.Model.Chat.Enqueue(ScriptedResponse.Error(500, "upstream exploded"));
        var withKey = server.ClientWith(admin.Key);
        await Capture(await withKey.PostAsJsonAsync("/v1/keys", new { role = "viewer" }));
        await Capture(await withKey.PostAsJsonAsync("/v1/queries", new { query = "What is R?", mode = "model" }));
        await Capture(await withKey.PostAsJsonAsync("/v1/queries", new { query = "What is S?", mode = "model" }));
        await Capture(await server.ClientWith(revoked.Key).GetAsync("/v1/documents"));
        await Capture(await server.ClientWith(admin.Key + "x").GetAsync("/v1/documents"));
        await Capture(await server.ClientWith(token).GetAsync("/v1/keys"));
        await Capture(await server.ClientWith(token[..^4] + "AAAA").GetAsync("/v1/keys"));
        await Capture(await server.ClientWith(null).GetAsync("/openapi/v1.json"));
        await Capture(await server.ClientWith(admin.Key).GetAsync("/health/ready"));

        var bootstrap = (await File.ReadAllTextAsync(Path.Combine(server.DataPath, "secrets", "bootstrap-admin.key"))).Trim();
        var secrets = new Dictionary<string, string>
        {
            ["an API key"] = admin.Key,
            ["a revoked API key"] = revoked.Key,
            ["the bootstrap key"] = bootstrap,
            ["the key secret"] = SecureServerFactory.KeySecret,
            ["a JWT"] = token,
            ["the JWT signing key"] = SecretsServerFactory.JwtSigningKey,
            ["the model API key"] = SecretsServerFactory.ModelApiKey,
        };
        var places = new Dictionary<string, string>
        {
            ["logs"] = server.Logs.All,
            ["traces"] = string.Join('\n', tags),
            ["responses"] = bodies.ToString(),
        };

        server.Model.Requests.ShouldNotBeEmpty("the model was called");
        server.Logs.All.ShouldContain("upstream exploded");
        foreach (var (place, text) in places)
        {
            foreach (var (what, secret) in secrets)
            {
                text.Contains(secret[..Math.Min(secret.Length, 24)], StringComparison.Ordinal).ShouldBeFalse($"{what} appears in the {place}");
            }
        }
    }
}
