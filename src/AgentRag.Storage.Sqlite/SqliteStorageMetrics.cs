using System.Diagnostics.Metrics;

namespace AgentRag.Storage.Sqlite;

/// <summary>The writer queue's instruments, under the meter <c>AgentRag.Storage.Sqlite</c>.</summary>
internal static class SqliteStorageMetrics
{
    public const string MeterName = "AgentRag.Storage.Sqlite";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "agentrag.sqlite.write.commits", unit: "{commit}", description: "Transactions committed by the group-commit writer.");

    public static readonly Counter<long> Items = Meter.CreateCounter<long>(
        "agentrag.sqlite.write.items", unit: "{item}", description: "Write items the writer finished, by outcome.");

    public static readonly Histogram<int> GroupSize = Meter.CreateHistogram<int>(
        "agentrag.sqlite.write.group_size", unit: "{item}", description: "Write items carried by one commit.");

    public static readonly Core.Telemetry.GaugeSources QueueDepth = new(
        Meter, "agentrag.sqlite.write.queue_depth", "{item}", "Write items waiting for the group-commit writer, over the open databases.");

    public static void RecordGroup(int committed, int failed)
    {
        if (committed > 0)
        {
            Items.Add(committed, new KeyValuePair<string, object?>("outcome", "committed"));
        }

        if (failed > 0)
        {
            Items.Add(failed, new KeyValuePair<string, object?>("outcome", "failed"));
        }

        GroupSize.Record(committed + failed);
    }

    public static void RecordCommit() => Commits.Add(1);
}
