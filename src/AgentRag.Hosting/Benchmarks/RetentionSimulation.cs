using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Core.Audit;
using AgentRag.Core.Events;
using AgentRag.Core.Retention;
using AgentRag.Core.Usage;
using AgentRag.Hosting.Retention;
using AgentRag.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Hosting.Benchmarks;

/// <summary>
/// The storage-growth simulation behind <c>agentrag bench retention</c> and its test: a data folder fed at a steady rate
/// (per simulated day: finished workflows with their state and event log, the model-usage rows and audit entries they
/// cause), with the retention job run once a simulated day on a simulated clock. With every retention shorter than the
/// measuring window, the database stops growing once the first rows expire: its size at the last day stays near its
/// size at the first measured day. Not a product code path.
/// </summary>
public static class RetentionSimulation
{
    /// <summary>
    /// Runs the simulation in <paramref name="dataDirectory"/> (a new folder) and returns the database size after each
    /// day's cleanup. Throws <see cref="ArgumentOutOfRangeException"/> for non-positive sizes.
    /// </summary>
    public static async Task<RetentionSimulationResult> RunAsync(
        string dataDirectory, RetentionSimulationSettings settings, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Days, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.WorkflowsPerDay, 1);
        var clock = new SimulatedClock(settings.Start);
        var dataFolder = new DataFolder(dataDirectory);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentRag:Retention:WorkflowDays"] = settings.RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentRag:Retention:UsageDays"] = settings.RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentRag:Retention:AuditDays"] = settings.RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<TimeProvider>(clock);
        services.AddAgentRag(backends => backends.UseSqlite(dataFolder).UseEmbeddedRuntime());
        await using var provider = services.BuildServiceProvider();
        var state = provider.GetRequiredService<IActorStateStore>();
        var events = provider.GetRequiredService<IEventLog>();
        var usage = provider.GetRequiredService<IUsageStore>();
        var audit = provider.GetRequiredService<IAuditLog>();
        var cleanup = provider.GetRequiredService<RetentionCleanup>();
        var database = provider.GetRequiredService<SqliteDatabase>();

        var padding = new string('x', settings.StateBytesPerWorkflow);
        var sizes = new List<RetentionSimulationDay>();
        var step = TimeSpan.FromDays(1) / settings.WorkflowsPerDay;
        for (var day = 1; day <= settings.Days; day++)
        {
            for (var i = 0; i < settings.WorkflowsPerDay; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var workflowId = Ids.New("wf");
                var tenant = settings.Tenants[i % settings.Tenants.Count];
                var stream = WorkflowRetention.StreamId(workflowId);
                for (var e = 0; e < settings.EventsPerWorkflow; e++)
                {
                    await events.AppendAsync(tenant, stream, "token", $$"""{"text":"simulated token {{e}} of {{workflowId}}"}""", waitForCommit: false, cancellationToken);
                }

                await state.WriteStateAsync(
                    new ActorId(WorkflowRetention.ActorType, tenant, workflowId), WorkflowRetention.StateKey,
                    $$"""{"workflowId":"{{workflowId}}","status":"completed","answer":"{{padding}}"}""", cancellationToken);
                await usage.RecordAsync(new UsageRecord
                {
                    Id = Ids.New("use"), Timestamp = clock.GetUtcNow(), TenantId = tenant, WorkflowId = workflowId, Agent = "synthesis",
                    Profile = "default", Model = "simulated", Operation = UsageOperations.Chat, InputTokens = 900, OutputTokens = 120, CostNanoUsd = 1_000,
                }, cancellationToken);
                await audit.AppendAsync(new AuditEntry(0, clock.GetUtcNow(), tenant, "simulation", "member", "query.create", workflowId,
                    AuditOutcomes.Success, 200, "127.0.0.1", null), cancellationToken);
                clock.Advance(step);
            }

            await database.FlushAsync(cancellationToken);
            var report = await cleanup.RunOnceAsync(cancellationToken);

            // Measured after a checkpoint, so each day's figure is the database's pages rather than where the WAL happened to be.
            await database.CheckpointAsync(cancellationToken);
            var bytes = SqliteDatabase.FileBytes(database.FilePath);
            sizes.Add(new RetentionSimulationDay(day, bytes, report.Deleted.Values.Sum(), report.BytesReclaimed));
            progress?.Report($"day {day}: database {bytes} bytes, {report.Summary()}");
        }

        return new RetentionSimulationResult(settings, sizes);
    }

    /// <summary>A clock the simulation moves.</summary>
    private sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}

/// <summary>The simulation's rates and retention.</summary>
public sealed record RetentionSimulationSettings
{
    public int Days { get; init; } = 30;

    public int WorkflowsPerDay { get; init; } = 1_000;

    public int EventsPerWorkflow { get; init; } = 40;

    /// <summary>Size of each workflow's stored state (a real one holds the plan, results and answer: 5–20 KB).</summary>
    public int StateBytesPerWorkflow { get; init; } = 4_000;

    /// <summary>Days every kind of row is kept in the simulation (workflows, usage, audit): shorter than the measuring window.</summary>
    public int RetentionDays { get; init; } = 7;

    public IReadOnlyList<string> Tenants { get; init; } = ["default", "acme"];

    public DateTimeOffset Start { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>The database after one simulated day's cleanup.</summary>
public sealed record RetentionSimulationDay(int Day, long DatabaseBytes, int RowsDeleted, long BytesReclaimed);

/// <summary>The figures of one simulation.</summary>
public sealed record RetentionSimulationResult(RetentionSimulationSettings Settings, IReadOnlyList<RetentionSimulationDay> Days)
{
    /// <summary>The database's size at the end of <paramref name="day"/> (1-based).</summary>
    public long BytesAt(int day) => Days[day - 1].DatabaseBytes;
}
