using System.ComponentModel.DataAnnotations;

namespace AgentRag.Runtime.Orleans;

/// <summary>
/// Settings of the Orleans cluster runtime (configuration section <c>AgentRag:Orleans</c>; <c>AgentRag:Runtime=orleans</c>
/// chooses it, and Redis, which holds the cluster's membership, grain directory and reminders, is
/// <c>ConnectionStrings:Redis</c>). The membership defaults are tuned for fast failover on a small cluster (3–10 replicas
/// on one network): a replica that dies is declared dead by its peers within about
/// <see cref="ProbeTimeout"/> × <see cref="NumMissedProbesLimit"/> plus one <see cref="TableRefreshTimeout"/>, instead of
/// Orleans' default of about 15 s.
/// </summary>
public sealed class OrleansRuntimeOptions
{
    public const string SectionName = "AgentRag:Orleans";

    /// <summary>
    /// The configuration key that turns on Orleans' Kubernetes hosting (<see cref="KubernetesHosting"/>); read when the
    /// runtime is registered, since it adds services.
    /// </summary>
    public const string KubernetesHostingKey = SectionName + ":" + nameof(KubernetesHosting);

    /// <summary>The name of the connection string (<c>ConnectionStrings:Redis</c>, env <c>ConnectionStrings__Redis</c>).</summary>
    public const string ConnectionStringName = "Redis";

    /// <summary>The StackExchange.Redis configuration string of the cluster's Redis (<c>ConnectionStrings:Redis</c>).</summary>
    [Required(ErrorMessage = "ConnectionStrings:Redis is required when AgentRag:Runtime is orleans (env ConnectionStrings__Redis).")]
    public string RedisConnectionString { get; set; } = "";

    /// <summary>The cluster's id: replicas with the same id (and Redis) form one cluster.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ClusterId { get; set; } = "agentrag";

    /// <summary>The service's id: stable across deployments (reminders are stored under it).</summary>
    [Required(AllowEmptyStrings = false)]
    public string ServiceId { get; set; } = "agentrag";

    /// <summary>The TCP port replicas talk to each other on (silo-to-silo; keep it inside the cluster's network).</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The TCP port Orleans clients connect to (keep it inside the cluster's network).</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The address other replicas reach this one at. Empty: the machine's first non-loopback IPv4 address (Orleans'
    /// default); set it explicitly for a replica with several interfaces, or <c>127.0.0.1</c> for replicas on one machine.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "";

    /// <summary>
    /// Runs the silo with Orleans' Kubernetes hosting (Microsoft.Orleans.Hosting.Kubernetes): name, advertised address and
    /// cluster ids from the pod's environment (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_IP</c>,
    /// <c>ORLEANS_CLUSTER_ID</c>, <c>ORLEANS_SERVICE_ID</c>) instead of <see cref="AdvertisedAddress"/>,
    /// <see cref="ClusterId"/> and <see cref="ServiceId"/>, and silos whose pods are gone declared dead at once. Off by
    /// default; <c>deploy/k8s/overlays/cluster</c> turns it on.
    /// </summary>
    public bool KubernetesHosting { get; set; }

    /// <summary>How long a replica waits for a peer's answer to a liveness probe (Orleans: 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row after which a replica votes its peer dead (Orleans: 3).</summary>
    [Range(1, 10)]
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// Votes needed to declare a replica dead (Orleans: 2). With 3 replicas, the 2 survivors both vote; one vote is
    /// enough where a cluster may shrink to 2 replicas.
    /// </summary>
    [Range(1, 10)]
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>How often a replica re-reads the membership table from Redis (Orleans: 60 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a death vote counts (Orleans: 120 s); votes older than this are ignored.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeathVoteExpirationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a replica writes its "I am alive" time to the table (Orleans: 30 s), for diagnostics and for peers' stale-entry checks.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a caller keeps retrying a call that could not reach the replica holding the actor (it died and is not
    /// yet evicted from the cluster), before the call fails. Longer than the eviction time above.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CallRetryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An actor's one-shot reminder (an approval deadline) is an Orleans reminder that repeats with this period until the
    /// turn that handled it removes it, so a replica dying in that turn is covered: the reminder fires again elsewhere.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OneShotReminderRepeat { get; set; } = TimeSpan.FromSeconds(30);
}
