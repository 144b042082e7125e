using System.Net;
using System.Net.Http.Headers;
using AgentRag.Core.Security;
using AgentRag.Server.Security;
using AgentRag.Server.Tests.Security;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Cluster;

/// <summary>
/// Three required-mode replicas sharing one PostgreSQL database and one clock: a caller's rate limit is counted in the
/// database, so it holds across the cluster, not once per replica (ADR 0040).
/// </summary>
public sealed class PostgresRateLimitTests : IDisposable
{
    private readonly PostgresTestDatabase _database = new();
    private readonly TempDirectory _shared = new("agentrag-shared");
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly AgentRagServerFactory[] _replicas;

    public PostgresRateLimitTests()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentRag:Storage"] = "postgres",
            ["ConnectionStrings:Postgres"] = _database.ConnectionString,
            ["AgentRag:Postgres:BlobDirectory"] = _shared.Path,
            ["AgentRag:Auth:Mode"] = "Required",
            ["AgentRag:Auth:KeySecret"] = SecureServerFactory.KeySecret,
            ["AgentRag:Limits:RequestsPerWindow"] = "100",
        };
        _replicas = [.. Enumerable.Range(0, 3).Select(_ => new AgentRagServerFactory(settings, time: _time))];
    }

    [Fact]
    public async Task RateLimit_101RequestsFromOneKeySpreadOverThreeReplicas_The101stGets429()
    {
        var key = (await _replicas[0].Services.GetRequiredService<ApiKeyService>().CreateAsync("acme", TenantRole.Viewer, "rate", expiresAt: null)).Key;
        var other = (await _replicas[0].Services.GetRequiredService<ApiKeyService>().CreateAsync("acme", TenantRole.Viewer, "other", expiresAt: null)).Key;
        var clients = _replicas.Select(replica => ClientWith(replica, key)).ToArray();

        for (var i = 0; i < 100; i++)
        {
            (await clients[i % 3].GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK, $"request {i + 1}, through replica {i % 3}");
        }

        // Each replica saw only 33 or 34 of them: the 101st is refused whichever replica it reaches.
        _time.Advance(TimeSpan.FromSeconds(45));
        foreach (var client in clients)
        {
            using var refused = await client.GetAsync("/v1/documents");
            await DocumentsApiTests.ShouldBeProblemAsync(refused, HttpStatusCode.TooManyRequests, "100 requests per 00:01:00 (AgentRag:Limits:RequestsPerWindow)");
            refused.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(15));
        }

        (await ClientWith(_replicas[1], other).GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);

        _time.Advance(TimeSpan.FromSeconds(15));
        (await clients[2].GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static HttpClient ClientWith(AgentRagServerFactory replica, string key)
    {
        var client = replica.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public void Dispose()
    {
        foreach (var replica in _replicas)
        {
            replica.Dispose();
        }

        _database.Dispose();
        _shared.Dispose();
    }
}
