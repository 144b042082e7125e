using AgentRag.Core.Actors;
using AgentRag.Core.Approvals;
using AgentRag.Core.Audit;
using AgentRag.Core.Events;
using AgentRag.Core.Feedback;
using AgentRag.Core.Security;
using AgentRag.Core.Sessions;
using AgentRag.Core.Storage;
using AgentRag.Core.Usage;
using AgentRag.Storage.Sqlite.Actors;
using AgentRag.Storage.Sqlite.Approvals;
using AgentRag.Storage.Sqlite.Audit;
using AgentRag.Storage.Sqlite.Data;
using AgentRag.Storage.Sqlite.Documents;
using AgentRag.Storage.Sqlite.Events;
using AgentRag.Storage.Sqlite.Feedback;
using AgentRag.Storage.Sqlite.Security;
using AgentRag.Storage.Sqlite.Sessions;
using AgentRag.Storage.Sqlite.Usage;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRag.Storage.Sqlite.Tests;

public sealed class DependencyInjectionTests : IDisposable
{
    private readonly TempDirectory _directory = new("sqlite-di");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AddSqliteStorage_DataDirectory_RegistersOneDatabaseAndDocumentStore()
    {
        var services = new ServiceCollection().AddLogging().AddSqliteStorage(_directory.Combine("data"));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var store = provider.GetRequiredService<IDocumentStore>();
        var database = provider.GetRequiredService<SqliteDatabase>();

        store.ShouldBeOfType<SqliteDocumentStore>();
        provider.GetRequiredService<SqliteDatabase>().ShouldBeSameAs(database);
        database.FilePath.ShouldBe(_directory.Combine("data", "agentrag.db"));
        File.Exists(database.FilePath).ShouldBeTrue();
        (await store.ListUnfinishedAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task AddSqliteStorage_EveryStoragePort_ResolvesToItsSqliteAdapter()
    {
        var services = new ServiceCollection().AddLogging().AddSqliteStorage(_directory.Path);
        services.Configure<SessionOptions>(options => options.MaxTurns = 2);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        provider.GetRequiredService<IDocumentStore>().ShouldBeOfType<SqliteDocumentStore>();
        provider.GetRequiredService<IEventLog>().ShouldBeOfType<SqliteEventLog>();
        provider.GetRequiredService<IActorStateStore>().ShouldBeOfType<SqliteActorStateStore>();
        provider.GetRequiredService<IApprovalStore>().ShouldBeOfType<SqliteApprovalStore>();
        provider.GetRequiredService<IApiKeyStore>().ShouldBeOfType<SqliteApiKeyStore>();
        provider.GetRequiredService<IAuditLog>().ShouldBeOfType<SqliteAuditLog>();
        provider.GetRequiredService<ITenantQuotaStore>().ShouldBeOfType<SqliteTenantQuotaStore>();
        provider.GetRequiredService<ITenantDataStore>().ShouldBeOfType<SqliteTenantDataStore>();
        provider.GetRequiredService<IUsageStore>().ShouldBeOfType<SqliteUsageStore>();
        provider.GetRequiredService<IAnswerQualityStore>().ShouldBeOfType<SqliteAnswerQualityStore>();
        provider.GetServices<ITransientStoreErrorRule>().ShouldHaveSingleItem().ShouldBeOfType<SqliteTransientErrorRule>();

        // The session store takes its settings from the options, whoever configures them.
        var sessions = provider.GetRequiredService<ISessionStore>().ShouldBeOfType<SqliteSessionStore>();
        for (var turn = 1; turn <= 3; turn++)
        {
            await sessions.AppendTurnAsync("t1", "ses_a", $"q{turn}", $"q{turn}", $"wf_{turn}");
        }

        (await sessions.GetAsync("t1", "ses_a"))!.Turns.Select(t => t.Question).ShouldBe(["q2", "q3"]);
    }


    [Fact]
    public async Task HealthCheck_OpenDatabase_IsHealthyAndDisposedDatabaseIsUnhealthy()
    {
        var services = new ServiceCollection().AddLogging().AddSqliteStorage(_directory.Path);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();

        var healthy = await health.CheckHealthAsync(check => check.Tags.Contains(DependencyInjection.ReadyTag));
        healthy.Status.ShouldBe(HealthStatus.Healthy);
        healthy.Entries.Keys.ShouldBe(["sqlite"]);

        await provider.GetRequiredService<SqliteDatabase>().DisposeAsync();
        var unhealthy = await health.CheckHealthAsync();
        unhealthy.Status.ShouldBe(HealthStatus.Unhealthy);
        unhealthy.Entries["sqlite"].Exception.ShouldBeOfType<ObjectDisposedException>();
    }

    [Fact]
    public async Task AddSqliteStorage_ConfigurationSection_BindsOptions()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AgentRag:Sqlite:ReadConnections"] = "7" })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSqliteStorage(_directory.Path);
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SqliteStorageOptions>>().Value;

        options.ReadConnections.ShouldBe(7);
        options.DataDirectory.ShouldBe(_directory.Path);
    }

    [Fact]
    public async Task AddSqliteStorage_InvalidOptions_FailsAtHostStartNamingTheSetting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSqliteStorage(options =>
        {
            options.DataDirectory = _directory.Path;
            options.MaxBatchSize = 0;
        });
        using var host = builder.Build();

        var ex = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        ex.Message.ShouldContain(nameof(SqliteStorageOptions.MaxBatchSize));
    }

    [Fact]
    public async Task AddSqliteStorage_HostStart_OpensDatabaseEagerly()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSqliteStorage(_directory.Path);
        using var host = builder.Build();

        await host.StartAsync();

        File.Exists(Path.Combine(_directory.Path, SqliteStorageOptions.DatabaseFileName)).ShouldBeTrue();
        await host.StopAsync();
    }
}
