using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Server.Tests.Cluster;

/// <summary>
/// Two replicas with required authentication starting at the same moment on one fresh PostgreSQL database: the cluster
/// gets one bootstrap admin key and one key secret between them, so a key made through one authenticates on the other.
/// </summary>
public sealed class PostgresBootstrapTests : IDisposable
{
    private readonly PostgresTestDatabase _database = new();
    private readonly TempDirectory _shared = new("agentrag-shared");

    [Fact]
    public async Task Start_TwoReplicasTogetherOnAFreshDatabase_ShareOneAdminKeyAndOneSecretSoKeysWorkOnBoth()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentRag:Storage"] = "postgres",
            ["ConnectionStrings:Postgres"] = _database.ConnectionString,
            ["AgentRag:Postgres:BlobDirectory"] = _shared.Path,
            ["AgentRag:Auth:Mode"] = "Required",
        };
        using var first = new AgentRagServerFactory(settings);
        using var second = new AgentRagServerFactory(settings);

        // Both hosts start (migrations, the key secret, the bootstrap key) concurrently.
        await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server));

        _database.Scalar("SELECT count(*) FROM api_keys").ShouldBe(1L);
        _database.Scalar("SELECT count(*) FROM cluster_secrets").ShouldBe(1L);
        var written = new[] { first, second }.Where(f => File.Exists(BootstrapKeyFile(f))).ToList();
        written.ShouldHaveSingleItem("exactly one replica created the bootstrap key and wrote it to its data folder");
        File.Exists(Path.Combine(first.DataPath, "secrets", "api-key.secret")).ShouldBeFalse("the secret lives in the database");
        File.Exists(Path.Combine(second.DataPath, "secrets", "api-key.secret")).ShouldBeFalse("the secret lives in the database");
        var bootstrapKey = File.ReadAllText(BootstrapKeyFile(written[0])).Trim();
        var creator = written[0];
        var other = creator == first ? second : first;

        // The bootstrap key, made by one replica, makes a key through the other; that key works on the first.
        using var onOther = other.CreateClient();
        onOther.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bootstrapKey);
        using var created = await onOther.PostAsJsonAsync("/v1/keys", new { role = "member", name = "made on the other replica" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var memberKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        using var onCreator = creator.CreateClient();
        onCreator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", memberKey);
        (await onCreator.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
        onCreator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", memberKey[..^4] + "AAAA");
        (await onCreator.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        _database.Scalar("SELECT count(*) FROM api_keys").ShouldBe(2L);
    }

    private static string BootstrapKeyFile(AgentRagServerFactory factory) => Path.Combine(factory.DataPath, "secrets", "bootstrap-admin.key");

    public void Dispose()
    {
        _database.Dispose();
        _shared.Dispose();
    }
}
