using System.Diagnostics;

namespace AgentRag.TestKit;

/// <summary>
/// A cluster of <c>agentrag serve --cluster</c> replicas as child processes on loopback: one fresh PostgreSQL database
/// (<see cref="PostgresTestDatabase"/>), the test Redis (<see cref="RedisTestServer"/>) under cluster and service ids of
/// its own, one shared folder for originals, and a data folder, HTTP port, silo port and gateway port per replica. The
/// membership timeouts are set explicitly (<see cref="MembershipSettings"/>). Replicas can be killed (SIGKILL), stopped
/// (SIGTERM) and started again on the same ports and folders. Not thread-safe.
/// </summary>
public sealed class ServeCluster : IAsyncDisposable
{
    /// <summary>The membership options every replica gets: a dead replica is evicted within a few seconds.</summary>
    public static readonly IReadOnlyDictionary<string, string?> MembershipSettings = new Dictionary<string, string?>
    {
        ["AgentRag__Orleans__ProbeTimeout"] = "00:00:01",
        ["AgentRag__Orleans__NumMissedProbesLimit"] = "2",
        ["AgentRag__Orleans__NumVotesForDeathDeclaration"] = "2",
        ["AgentRag__Orleans__TableRefreshTimeout"] = "00:00:02",
        ["AgentRag__Orleans__DeathVoteExpirationTimeout"] = "00:00:10",
        ["AgentRag__Orleans__IAmAliveTablePublishTimeout"] = "00:00:05",
    };

    private readonly TempDirectory _shared = new("agentrag-cluster-blobs");
    private readonly List<Replica> _replicas = [];
    private readonly Dictionary<string, string?> _settings;

    public ServeCluster(int replicas, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        var clusterId = $"test-{Guid.NewGuid():N}";
        _settings = new Dictionary<string, string?>(MembershipSettings)
        {
            ["ConnectionStrings__Postgres"] = Database.ConnectionString,
            ["ConnectionStrings__Redis"] = RedisTestServer.ConnectionString,
            ["AgentRag__Orleans__ClusterId"] = clusterId,
            ["AgentRag__Orleans__ServiceId"] = clusterId,
            ["AgentRag__Orleans__AdvertisedAddress"] = "127.0.0.1",
            ["AgentRag__Postgres__BlobDirectory"] = _shared.Path,
            ["AgentRag__Postgres__IngestionLease"] = "00:00:03",
            ["AgentRag__Postgres__QueuePollInterval"] = "00:00:00.250",
            ["AgentRag__Agents__ResumeInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        for (var i = 0; i < replicas; i++)
        {
            _replicas.Add(new Replica(i, $"http://127.0.0.1:{FreePort.Next()}", FreePort.Next(), FreePort.Next(), new TempDirectory($"agentrag-replica-{i}")));
        }
    }

    public PostgresTestDatabase Database { get; } = new();

    public IReadOnlyList<Replica> Replicas => _replicas;

    public Replica this[int index] => _replicas[index];

    /// <summary>
    /// The environment of a CLI command that uses the cluster through its connection strings (PostgreSQL storage, the
    /// Orleans runtime as a client of this cluster).
    /// </summary>
    public IReadOnlyDictionary<string, string?> ClientEnvironment => new Dictionary<string, string?>(_settings)
    {
        ["AgentRag__Storage"] = "postgres",
        ["AgentRag__Runtime"] = "orleans",
    };

    /// <summary>Starts every replica, one after the other (the first one founds the cluster), and waits until each serves HTTP.</summary>
    public async Task StartAllAsync(Func<Replica, IDictionary<string, string?>?>? extra = null)
    {
        foreach (var replica in _replicas)
        {
            await StartAsync(replica, extra?.Invoke(replica));
        }
    }

    /// <summary>Starts <paramref name="replica"/> (again) and waits until it serves HTTP.</summary>
    public async Task StartAsync(Replica replica, IDictionary<string, string?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (replica.Process is not null)
        {
            await replica.Process.DisposeAsync();
        }

        var environment = new Dictionary<string, string?>(_settings)
        {
            ["AgentRag__Orleans__SiloPort"] = replica.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentRag__Orleans__GatewayPort"] = replica.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        replica.Process = CliProcess.Start(["serve", "--cluster", "--urls", replica.Url, "--data", replica.Data.Path, "--log-format", "text"], environment);
        await replica.Process.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
    }

    /// <summary>SIGKILLs <paramref name="replica"/>, as a crash would, and returns when it is gone.</summary>
    public static long Kill(Replica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        replica.Process!.Kill();
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Stops <paramref name="replica"/> gracefully (SIGTERM) and waits for it to exit.</summary>
    public static async Task StopAsync(Replica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        await replica.Process!.TerminateAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>The replica whose output has a line <paramref name="match"/> accepts, or null.</summary>
    public Replica? Find(Func<string, bool> match) =>
        _replicas.FirstOrDefault(r => r.Process is { } process && process.Snapshot().Split('\n').Any(match));

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            if (replica.Process is not null)
            {
                await replica.Process.DisposeAsync();
            }

            replica.Http.Dispose();
            replica.Data.Dispose();
        }

        Database.Dispose();
        _shared.Dispose();
    }

    /// <summary>One replica: its HTTP address, Orleans ports, data folder and (while started) process.</summary>
    public sealed class Replica(int index, string url, int siloPort, int gatewayPort, TempDirectory data)
    {
        public int Index { get; } = index;

        public string Url { get; } = url;

        public int SiloPort { get; } = siloPort;

        public int GatewayPort { get; } = gatewayPort;

        public TempDirectory Data { get; } = data;

        public HttpClient Http { get; } = new() { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };

        public CliProcess? Process { get; internal set; }

        /// <summary>Everything the replica's process wrote (all its runs since the last start).</summary>
        public string Output => Process?.Snapshot() ?? "";

        public override string ToString() => $"replica {Index} ({Url})";
    }
}
