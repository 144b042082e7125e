using AgentRag.Core;
using AgentRag.Core.Usage;
using AgentRag.Monitoring.Alerts;
using AgentRag.Monitoring.Jobs;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Monitoring;

/// <summary>
/// A server of its own on a manual clock, with the monitoring agent's background loop off so a test runs its jobs
/// itself (the jobs and the alert dispatcher are the real ones), and helpers to write synthetic usage.
/// </summary>
public sealed class MonitoringServer : IDisposable
{
    public MonitoringServer(DateTimeOffset now, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Clock = new ManualTimeProvider(now);
        var all = new Dictionary<string, string?>
        {
            ["AgentRag:Monitoring:Enabled"] = "false",
            ["AgentRag:Monitoring:Webhooks:FirstRetryDelay"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        Factory = new AgentRagServerFactory(all, time: Clock);
        _ = Factory.Server; // starts the host
    }

    public ManualTimeProvider Clock { get; }

    public AgentRagServerFactory Factory { get; }

    public MonitoringJobs Jobs => Factory.Services.GetRequiredService<MonitoringJobs>();

    public AlertDispatcher Dispatcher => Factory.Services.GetRequiredService<AlertDispatcher>();

    public IUsageStore Usage => Factory.Services.GetRequiredService<IUsageStore>();

    public HttpClient Client(string tenant)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Tenant-ID", tenant);
        return client;
    }

    /// <summary>Runs the rollup job until it has caught up with the clock.</summary>
    public async Task RollUpAllAsync()
    {
        while (await Jobs.RollUpAsync() > 0)
        {
        }
    }

    /// <summary>Records one model call.</summary>
    public Task RecordAsync(
        string tenant, DateTimeOffset at, string model = "gpt-test", string? agent = "synthesis", bool failed = false, long input = 900, long output = 100,
        long costNanoUsd = 1_500_000, double latencyMs = 800, string operation = UsageOperations.Chat) =>
        Usage.RecordAsync(new UsageRecord
        {
            Id = Ids.New("use"),
            Timestamp = at,
            TenantId = tenant,
            WorkflowId = Ids.New("wf"),
            Agent = agent,
            Profile = "default",
            Model = model,
            Operation = operation,
            InputTokens = input,
            OutputTokens = output,
            Latency = TimeSpan.FromMilliseconds(latencyMs),
            CostNanoUsd = costNanoUsd,
            Outcome = failed ? UsageOutcome.Failed : UsageOutcome.Succeeded,
            Error = failed ? "The model endpoint answered 500." : null,
        });

    public void Dispose() => Factory.Dispose();
}
