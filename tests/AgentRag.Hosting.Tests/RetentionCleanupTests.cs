using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Core.Audit;
using AgentRag.Core.Documents;
using AgentRag.Core.Events;
using AgentRag.Core.Retention;
using AgentRag.Core.Storage;
using AgentRag.Core.Usage;
using AgentRag.Hosting.Benchmarks;
using AgentRag.Hosting.Retention;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Storage.Sqlite;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Hosting.Tests;

/// <summary>The retention job on a manual clock: what expires goes, what is live stays, and the database gives the space back.</summary>
public sealed class RetentionCleanupTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("agentrag-retention");
    private readonly ManualTimeProvider _time = new(Start);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RunOnceAsync_ExpiredRowsAndFiles_AreGoneLiveOnesStayAndTheDataFolderShrinks()
    {
        await using var provider = Build(_directory.Path, new() { ["AgentRag:Retention:OriginalFileDays"] = "60" });
        var ingestion = provider.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile("nodejs-url.md"));
        (await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id))!.Status.ShouldBe(DocumentStatus.Ready);
        var old = await WriteWorkflowsAsync(provider, count: 200, status: "completed");
        var running = (await WriteWorkflowsAsync(provider, count: 1, status: "awaiting_approval"))[0];
        await WriteUsageAndAuditAsync(provider, count: 200);

        _time.Advance(TimeSpan.FromDays(20));
        var live = await WriteWorkflowsAsync(provider, count: 5, status: "failed");
        await WriteUsageAndAuditAsync(provider, count: 5);
        var database = provider.GetRequiredService<SqliteDatabase>();
        await database.FlushAsync();
        await database.CheckpointAsync();
        var folderBefore = StorageUsageMetrics.FolderBytes(_directory.Path);
        var cleanup = provider.GetRequiredService<RetentionCleanup>();

        _time.Advance(TimeSpan.FromDays(15)); // day 35: finished workflows of day 0 are past 30 days
        var first = await cleanup.RunOnceAsync();

        first.Deleted["workflows"].ShouldBe(200);
        first.Deleted["usage"].ShouldBe(0);
        first.Deleted["audit"].ShouldBe(0);
        first.Deleted["originals"].ShouldBe(0);
        (await StateAsync(provider, old[0])).ShouldBeNull();
        (await provider.GetRequiredService<IEventLog>().ReadAsync(Tenancy.DefaultTenant, WorkflowRetention.StreamId(old[^1]), 0)).ShouldBeEmpty();
        (await StateAsync(provider, running)).ShouldNotBeNull("a workflow waiting for an approval is kept whatever its age");
        (await StateAsync(provider, live[0])).ShouldNotBeNull();
        (await provider.GetRequiredService<IEventLog>().ReadAsync(Tenancy.DefaultTenant, WorkflowRetention.StreamId(live[0]), 0)).Count.ShouldBe(10);
        first.BytesReclaimed.ShouldBeGreaterThan(0);
        StorageUsageMetrics.FolderBytes(_directory.Path).ShouldBeLessThan(folderBefore);
        StorageUsageMetrics.Latest.ShouldContain(u => u.TenantId == Tenancy.DefaultTenant && u.Kind == "originals" && u.Bytes > 0);

        _time.Advance(TimeSpan.FromDays(60)); // day 95: usage of day 0 past 90 days, the original past 60
        var second = await cleanup.RunOnceAsync();

        second.Deleted["usage"].ShouldBe(200);
        second.Deleted["originals"].ShouldBe(1);
        second.Deleted["audit"].ShouldBe(0);
        (await UsageCountAsync(provider)).ShouldBe(5);
        var blobs = provider.GetRequiredService<IBlobStore>();
        (await blobs.OpenLocalAsync(submitted.Document.StoredPath)).ShouldBeNull();
        var document = (await provider.GetRequiredService<IDocumentStore>().GetAsync(Tenancy.DefaultTenant, submitted.Document.Id)).ShouldNotBeNull();
        provider.GetRequiredService<IOptions<RetentionOptions>>().Value.WithOriginalState(document, _time.GetUtcNow()).OriginalExpired.ShouldBeTrue();
        var refused = await Should.ThrowAsync<OriginalUnavailableException>(() => ingestion.ResetForReprocessingAsync(Tenancy.DefaultTenant, document.Id));
        refused.Message.ShouldContain("AgentRag:Retention:OriginalFileDays");
        (await provider.GetRequiredService<IDocumentStore>().GetAsync(Tenancy.DefaultTenant, document.Id))!.Status.ShouldBe(DocumentStatus.Ready);

        _time.Advance(TimeSpan.FromDays(275)); // day 370: audit of day 0 past 365 days
        var third = await cleanup.RunOnceAsync();

        third.Deleted["audit"].ShouldBe(200);
        (await provider.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Tenancy.DefaultTenant, Limit: 1000))).Count.ShouldBe(5);
        (await cleanup.RunOnceAsync()).Deleted.Values.Sum().ShouldBe(0);
    }

    [Fact]
    public async Task RetentionSimulation_SteadyRateForThirtyDays_DatabaseAtDayThirtyWithinTenPercentOfDayTen()
    {
        var result = await RetentionSimulation.RunAsync(
            Path.Combine(_directory.Path, "simulation"),
            new RetentionSimulationSettings { Days = 30, WorkflowsPerDay = 40, EventsPerWorkflow = 10, StateBytesPerWorkflow = 2_000, RetentionDays = 7 });

        var ratio = (double)result.BytesAt(30) / result.BytesAt(10);
        ratio.ShouldBeInRange(0.90, 1.10, string.Join(", ", result.Days.Select(d => $"{d.Day}: {d.DatabaseBytes}")));
        result.BytesAt(7).ShouldBeGreaterThan(result.BytesAt(2) * 2, "the database grows until retention applies");
        result.Days.Skip(8).ShouldAllBe(d => d.RowsDeleted == 3 * 40);
    }

    [Fact]
    public async Task Migrate_FixtureDataFolderOfV1_ConvertsToIncrementalVacuumAndShrinksAfterCleanup()
    {
        var fixture = Path.Combine(SharedPaths.RepositoryRoot, "tests", "fixtures", "data-v1");
        var data = Path.Combine(_directory.Path, "v1");
        foreach (var file in Directory.EnumerateFiles(fixture, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(data, Path.GetRelativePath(fixture, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        var databasePath = Path.Combine(data, "agentrag.db");
        AutoVacuum(databasePath).ShouldBe(0, "the fixture predates incremental vacuum");
        _time.Advance(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero) - _time.GetUtcNow()); // the fixture's workflows and sessions have expired

        await using var provider = Build(data, []);
        var database = provider.GetRequiredService<SqliteDatabase>();
        database.SchemaVersion.ShouldBe(AgentRag.Storage.Sqlite.Schema.StoreSchema.Migrations.Count);
        await database.CheckpointAsync();
        AutoVacuum(databasePath).ShouldBe(2);
        var converted = SqliteDatabase.FileBytes(databasePath);
        var report = await provider.GetRequiredService<RetentionCleanup>().RunOnceAsync();

        report.Deleted["workflows"].ShouldBe(2, "the two completed workflows; the paused one stays");
        report.Deleted["sessions"].ShouldBe(3);
        (await StateAsync(provider, "wf_6c47enbyhk1wrvm0")).ShouldNotBeNull();
        var after = SqliteDatabase.FileBytes(databasePath);
        // Against the converted file, not the fixture's own size: later migrations add tables and indexes, which the
        // cleanup of this small fixture need not outweigh.
        after.ShouldBeLessThan(converted);
    }

    private ServiceProvider Build(string dataDirectory, Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<TimeProvider>(_time);
        services.AddAgentRag(backends => backends.UseSqlite(new DataFolder(dataDirectory)).UseEmbeddedRuntime());
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static int AutoVacuum(string databasePath)
    {
        using var connection = Storage.Sqlite.SqliteConnection.Open(databasePath, new SqliteConnectionOptions { Mode = SqliteOpenMode.ReadOnly });
        using var pragma = connection.Prepare("PRAGMA auto_vacuum");
        pragma.Step().ShouldBeTrue();
        return pragma.GetInt32(0);
    }

    private static Task<string?> StateAsync(IServiceProvider provider, string workflowId) =>
        provider.GetRequiredService<IActorStateStore>().ReadStateAsync(
            new ActorId(WorkflowRetention.ActorType, Tenancy.DefaultTenant, workflowId), WorkflowRetention.StateKey);

    private static async Task<List<string>> WriteWorkflowsAsync(IServiceProvider provider, int count, string status)
    {
        var state = provider.GetRequiredService<IActorStateStore>();
        var events = provider.GetRequiredService<IEventLog>();
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = Ids.New("wf");
            for (var e = 0; e < 10; e++)
            {
                await events.AppendAsync(Tenancy.DefaultTenant, WorkflowRetention.StreamId(id), "token", $$"""{"text":"{{new string('t', 200)}}"}""", waitForCommit: false);
            }

            await state.WriteStateAsync(
                new ActorId(WorkflowRetention.ActorType, Tenancy.DefaultTenant, id), WorkflowRetention.StateKey,
                $$"""{"workflowId":"{{id}}","status":"{{status}}","answer":"{{new string('a', 4_000)}}"}""");
            ids.Add(id);
        }

        return ids;
    }

    private async Task WriteUsageAndAuditAsync(IServiceProvider provider, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await provider.GetRequiredService<IUsageStore>().RecordAsync(new UsageRecord
            {
                Id = Ids.New("use"), Timestamp = _time.GetUtcNow(), TenantId = Tenancy.DefaultTenant, Profile = "default", Model = "m",
                Operation = UsageOperations.Chat, InputTokens = 10, OutputTokens = 5,
            });
            await provider.GetRequiredService<IAuditLog>().AppendAsync(new AuditEntry(
                0, _time.GetUtcNow(), Tenancy.DefaultTenant, "test", "member", "query.create", "wf", AuditOutcomes.Success, 200, null, null));
        }
    }

    private static async Task<int> UsageCountAsync(IServiceProvider provider) =>
        (await provider.GetRequiredService<IUsageStore>().ListAsync(new UsageListQuery(Tenancy.DefaultTenant, Limit: 1000))).Count;
}
