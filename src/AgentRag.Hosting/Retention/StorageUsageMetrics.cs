using System.Diagnostics.Metrics;
using AgentRag.Core;

namespace AgentRag.Hosting.Retention;

/// <summary>
/// <c>agentrag_storage_bytes{tenant,kind}</c>: what the data folder holds, per tenant for the originals (<c>originals</c>)
/// and the search indexes (<c>indexes</c>), and for the database file with its write-ahead log (<c>database</c>, tenant
/// empty: one file holds every tenant). Measured by each retention run (hourly by default), so a scrape costs nothing.
/// </summary>
public static class StorageUsageMetrics
{
    public const string MeterName = "AgentRag.Retention";

    private static readonly Meter Meter = new(MeterName);
    private static volatile IReadOnlyList<StorageUsage> _latest = [];

    static StorageUsageMetrics() =>
        Meter.CreateObservableGauge(
            "agentrag.storage.bytes",
            () => _latest.Select(u => new Measurement<long>(u.Bytes, new("tenant", u.TenantId), new("kind", u.Kind))),
            unit: "By",
            description: "Bytes the data folder holds, by tenant and kind (originals, indexes, database), as of the last retention run.");

    /// <summary>The last measurement.</summary>
    public static IReadOnlyList<StorageUsage> Latest => _latest;

    /// <summary>Publishes a measurement.</summary>
    public static void Update(IReadOnlyList<StorageUsage> usage) => _latest = usage;

    /// <summary>Measures the data folder: each tenant's folder under <c>files/</c> and <c>index/</c>, and the database files.</summary>
    public static IReadOnlyList<StorageUsage> Measure(DataFolder dataFolder)
    {
        ArgumentNullException.ThrowIfNull(dataFolder);
        var usage = new List<StorageUsage>();
        foreach (var (kind, root) in new[] { ("originals", dataFolder.FilesDirectory), ("indexes", dataFolder.IndexDirectory) })
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var tenant in Directory.EnumerateDirectories(root))
            {
                usage.Add(new StorageUsage(Path.GetFileName(tenant), kind, FolderBytes(tenant)));
            }
        }

        var database = new[] { dataFolder.DatabasePath, dataFolder.DatabasePath + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        usage.Add(new StorageUsage("", "database", database));
        return usage;
    }

    /// <summary>The bytes of every file under <paramref name="folder"/> (0 when it does not exist).</summary>
    public static long FolderBytes(string folder) =>
        Directory.Exists(folder)
            ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
            : 0;
}

/// <summary>One measured figure: a tenant (empty for the shared database), a kind and its bytes.</summary>
public sealed record StorageUsage(string TenantId, string Kind, long Bytes);
