using System.Diagnostics;
using AgentRag.TestKit;
using Xunit.Abstractions;

namespace AgentRag.Server.Tests.Cluster;

/// <summary>
/// Two <c>agentrag serve</c> processes on one PostgreSQL database: exactly one runs the monitoring jobs (the
/// <c>monitoring</c> advisory lock), and when it is killed the other takes over within the lease time.
/// </summary>
public sealed class MonitoringLeaseTests(ITestOutputHelper output)
{
    private const string LeaseTaken = "Monitoring lease taken";

    [Fact]
    public async Task MonitoringLease_HolderKilled_OtherReplicaTakesOverWithinLeaseDuration()
    {
        var leaseDuration = TimeSpan.FromSeconds(2);
        using var database = new PostgresTestDatabase();
        using var shared = new TempDirectory("agentrag-shared");
        using var firstData = new TempDirectory("agentrag-replica-0");
        using var secondData = new TempDirectory("agentrag-replica-1");
        var environment = new Dictionary<string, string?>
        {
            ["AgentRag__Storage"] = "postgres",
            ["ConnectionStrings__Postgres"] = database.ConnectionString,
            ["AgentRag__Postgres__BlobDirectory"] = shared.Path,
            ["AgentRag__Monitoring__LeaseDuration"] = leaseDuration.ToString("c"),
        };

        CliProcess Serve(TempDirectory data) =>
            CliProcess.Start(["serve", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--data", data.Path, "--log-format", "text"], environment);

        await using var first = Serve(firstData);
        await first.WaitForOutputAsync(line => line.Contains(LeaseTaken, StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        await using var second = Serve(secondData);
        await second.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        // Several lease periods with both up: the second never takes the lease while the first holds it.
        var standby = Stopwatch.StartNew();
        await Should.ThrowAsync<TimeoutException>(() => second.WaitForOutputAsync(line => line.Contains(LeaseTaken, StringComparison.Ordinal), leaseDuration * 3));
        standby.Elapsed.ShouldBeGreaterThanOrEqualTo(leaseDuration * 3);

        // The holder ran the jobs against PostgreSQL (its first tick computes the last window's percentiles), and no run failed.
        first.Snapshot().ShouldContain("Monitoring jobs ran");
        first.Snapshot().ShouldNotContain("A monitoring run failed");

        var killedAt = Stopwatch.GetTimestamp();
        first.Kill();
        await second.WaitForOutputAsync(line => line.Contains(LeaseTaken, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var takeover = Stopwatch.GetElapsedTime(killedAt);

        // The server ends the killed process's session, and with it the advisory lock, at once; the standby asks every lease period.
        output.WriteLine($"Monitoring lease takeover after SIGKILL: {takeover.TotalSeconds:0.00} s (lease duration {leaseDuration.TotalSeconds:0} s).");
        takeover.ShouldBeLessThan(leaseDuration + TimeSpan.FromSeconds(3), $"the takeover took {takeover.TotalSeconds:0.0} s\n{second.Snapshot()}");

    }
}
