using AgentRag.Core;
using AgentRag.Runtime.Dapr;
using AgentRag.Runtime.Embedded;
using AgentRag.Runtime.Orleans;
using AgentRag.Storage.Postgres;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Hosting;

/// <summary>
/// The two independent backend choices of <see cref="DependencyInjection.AddAgentRag"/>: where data is stored
/// (<see cref="UseSqlite"/> or <see cref="UsePostgres"/>; configuration key <see cref="StorageKey"/>) and where actors run
/// (<see cref="UseEmbeddedRuntime"/>; configuration key <see cref="RuntimeKey"/>). A new backend is one more
/// <c>Use…</c> method calling <see cref="UseStorage"/> or <see cref="UseRuntime"/> with its project's registration;
/// nothing else changes. Each axis must be chosen exactly once. Not thread-safe (used during composition only).
/// </summary>
public sealed class AgentRagBuilder
{
    /// <summary>Configuration key of the storage backend (<c>sqlite</c>, the default).</summary>
    public const string StorageKey = "AgentRag:Storage";

    /// <summary>Configuration key of the actor runtime (<c>embedded</c>, the default).</summary>
    public const string RuntimeKey = "AgentRag:Runtime";

    /// <summary>The storage backend <see cref="UseSqlite"/> selects.</summary>
    public const string SqliteStorage = "sqlite";

    /// <summary>The storage backend <see cref="UsePostgres"/> selects.</summary>
    public const string PostgresStorage = "postgres";

    /// <summary>The actor runtime <see cref="UseEmbeddedRuntime"/> selects.</summary>
    public const string EmbeddedRuntime = "embedded";

    /// <summary>The actor runtime <see cref="UseOrleansRuntime"/> selects (cluster mode).</summary>
    public const string OrleansRuntime = "orleans";

    /// <summary>The actor runtime <see cref="UseDaprRuntime"/> selects (actors hosted by Dapr sidecars).</summary>
    public const string DaprRuntime = "dapr";

    /// <summary>The values <see cref="StorageKey"/> accepts.</summary>
    public static IReadOnlyList<string> StorageBackends { get; } = [SqliteStorage, PostgresStorage];

    /// <summary>The values <see cref="RuntimeKey"/> accepts.</summary>
    public static IReadOnlyList<string> Runtimes { get; } = [EmbeddedRuntime, OrleansRuntime, DaprRuntime];

    internal AgentRagBuilder()
    {
    }

    /// <summary>The local data folder (embedded indexes, uploaded originals, lock files), or null when none was chosen.</summary>
    public DataFolder? DataFolder { get; private set; }

    /// <summary>The chosen storage backend's name, or null.</summary>
    public string? Storage { get; private set; }

    /// <summary>The chosen actor runtime's name, or null.</summary>
    public string? Runtime { get; private set; }

    internal Action<IServiceCollection>? RegisterStorage { get; private set; }

    internal Action<IServiceCollection>? RegisterRuntime { get; private set; }

    /// <summary>Uses <paramref name="dataFolder"/> for what stays on the local disk whatever the storage backend.</summary>
    public AgentRagBuilder UseDataFolder(DataFolder dataFolder)
    {
        ArgumentNullException.ThrowIfNull(dataFolder);
        if (DataFolder is not null && DataFolder.Root != dataFolder.Root)
        {
            throw new InvalidOperationException($"The data folder is chosen twice ({DataFolder.Root} and {dataFolder.Root}).");
        }

        DataFolder = dataFolder;
        return this;
    }

    /// <summary>Stores everything in SQLite in <paramref name="dataFolder"/> (<c>agentrag.db</c>), which is also the data folder.</summary>
    public AgentRagBuilder UseSqlite(DataFolder dataFolder)
    {
        UseDataFolder(dataFolder);
        return UseStorage(SqliteStorage, services => services.AddSqliteStorage(dataFolder.Root).AddDataFolderFiles());
    }

    /// <summary>
    /// Stores every durable record in the shared PostgreSQL database (<c>ConnectionStrings:Postgres</c>, settings under
    /// <c>AgentRag:Postgres</c>, then <paramref name="configure"/>), so several replicas serve one platform; the embedded
    /// indexes, lock-free scratch files and (unless <c>AgentRag:Postgres:BlobDirectory</c> names a shared folder) the
    /// originals stay in <paramref name="dataFolder"/>. Vector search stays in memory behind <c>IVectorStore</c>.
    /// </summary>
    public AgentRagBuilder UsePostgres(DataFolder dataFolder, Action<PostgresStorageOptions>? configure = null)
    {
        UseDataFolder(dataFolder);
        return UseStorage(PostgresStorage, services => services.AddPostgresStorage(configure));
    }

    /// <summary>Runs actors in this process (<see cref="EmbeddedActorHost"/>), with state and reminders in the storage backend.</summary>
    public AgentRagBuilder UseEmbeddedRuntime() => UseRuntime(EmbeddedRuntime, services => services.AddEmbeddedActorRuntime());

    /// <summary>
    /// Runs actors as grains of the Orleans cluster this process joins as a silo (<see cref="Runtime.Orleans.DependencyInjection.AddOrleansActorRuntime"/>):
    /// membership, grain directory and reminders in Redis (<c>ConnectionStrings:Redis</c>, settings under
    /// <c>AgentRag:Orleans</c>), state in the storage backend (PostgreSQL, so every replica reads it). Needs a host
    /// that runs hosted services (the server). <paramref name="kubernetesHosting"/>: Orleans' Kubernetes hosting
    /// (<see cref="OrleansRuntimeOptions.KubernetesHosting"/>).
    /// </summary>
    public AgentRagBuilder UseOrleansRuntime(bool kubernetesHosting = false) =>
        UseRuntime(OrleansRuntime, services => services.AddOrleansActorRuntime(kubernetesHosting));

    /// <summary>
    /// Sends actor messages to the Orleans cluster as its client, running no actor here (a CLI command beside the
    /// cluster's replicas; <see cref="Runtime.Orleans.DependencyInjection.AddOrleansActorClient"/>).
    /// </summary>
    public AgentRagBuilder UseOrleansClient() => UseRuntime(OrleansRuntime, services => services.AddOrleansActorClient());

    /// <summary>
    /// Hosts actors as Dapr actors behind this process's HTTP endpoints, with state and reminders in the Dapr sidecar
    /// (<see cref="Runtime.Dapr.DependencyInjection.AddDaprActorRuntime"/>; settings under <c>AgentRag:Dapr</c>). Needs a web
    /// host that maps <c>MapDaprRuntime</c> (the server).
    /// </summary>
    public AgentRagBuilder UseDaprRuntime() => UseRuntime(DaprRuntime, static services =>
    {
        services.AddDaprActorRuntime();
        services.AddSingleton<Runtime.Dapr.Events.IDaprCommandHandler, ApprovalDecisionCommandHandler>();
    });

    /// <summary>
    /// Sends actor messages through the Dapr sidecar to actors the server replicas host, hosting none here (a CLI command;
    /// <see cref="Runtime.Dapr.DependencyInjection.AddDaprActorClient"/>).
    /// </summary>
    public AgentRagBuilder UseDaprClient() => UseRuntime(DaprRuntime, services => services.AddDaprActorClient());

    /// <summary>
    /// Chooses the storage backend <paramref name="name"/>, whose <paramref name="register"/> adds every storage port
    /// (documents, events, actor state, sessions, usage, approvals, …). Throws when a storage backend is already chosen.
    /// </summary>
    public AgentRagBuilder UseStorage(string name, Action<IServiceCollection> register)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(register);
        if (Storage is not null)
        {
            throw new InvalidOperationException($"The storage backend is chosen twice ('{Storage}' and '{name}'): choose one.");
        }

        Storage = name;
        RegisterStorage = register;
        return this;
    }

    /// <summary>
    /// Chooses the actor runtime <paramref name="name"/>, whose <paramref name="register"/> adds the
    /// <see cref="Core.Actors.IActorRuntime"/>. Throws when a runtime is already chosen.
    /// </summary>
    public AgentRagBuilder UseRuntime(string name, Action<IServiceCollection> register)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(register);
        if (Runtime is not null)
        {
            throw new InvalidOperationException($"The actor runtime is chosen twice ('{Runtime}' and '{name}'): choose one.");
        }

        Runtime = name;
        RegisterRuntime = register;
        return this;
    }

    /// <summary>
    /// Chooses both axes from <paramref name="configuration"/>: <see cref="StorageKey"/> (default <c>sqlite</c>) and
    /// <see cref="RuntimeKey"/> (default <c>embedded</c>), over <paramref name="dataFolder"/>. An unknown value throws
    /// <see cref="OptionsValidationException"/> naming the key and the accepted values. <paramref name="clusterClient"/>:
    /// with the <c>orleans</c> or <c>dapr</c> runtime, this process is a client of the cluster (a CLI command), not a silo
    /// or an actor host.
    /// </summary>
    public AgentRagBuilder UseConfiguration(IConfiguration configuration, DataFolder dataFolder, bool clusterClient = false)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(dataFolder);
        switch (Choice(configuration, StorageKey, SqliteStorage, StorageBackends))
        {
            case SqliteStorage:
                UseSqlite(dataFolder);
                break;
            case PostgresStorage:
                UsePostgres(dataFolder);
                break;
        }

        switch (Choice(configuration, RuntimeKey, EmbeddedRuntime, Runtimes))
        {
            case EmbeddedRuntime:
                UseEmbeddedRuntime();
                break;
            case OrleansRuntime when clusterClient:
                UseOrleansClient();
                break;
            case OrleansRuntime:
                UseOrleansRuntime(configuration.GetValue<bool>(OrleansRuntimeOptions.KubernetesHostingKey));
                break;
            case DaprRuntime when clusterClient:
                UseDaprClient();
                break;
            case DaprRuntime:
                UseDaprRuntime();
                break;
        }

        return this;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the call that is missing.</summary>
    internal void ThrowIfIncomplete()
    {
        if (Storage is null)
        {
            throw new InvalidOperationException(
                $"AddAgentRag needs a storage backend: call UseSqlite(dataFolder) or UsePostgres(dataFolder) (or set {StorageKey} and call UseConfiguration).");
        }

        if (Runtime is null)
        {
            throw new InvalidOperationException(
                $"AddAgentRag needs an actor runtime: call UseEmbeddedRuntime(), UseOrleansRuntime() or UseDaprRuntime() (or set {RuntimeKey} and call UseConfiguration).");
        }

        if (DataFolder is null)
        {
            throw new InvalidOperationException("AddAgentRag needs a data folder for the embedded indexes and uploaded files: call UseDataFolder(dataFolder).");
        }
    }

    private static string Choice(IConfiguration configuration, string key, string defaultValue, IReadOnlyList<string> accepted)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return defaultValue;
        }

        var match = accepted.FirstOrDefault(a => a.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase));
        return match ?? throw new OptionsValidationException(key, typeof(AgentRagBuilder),
            [$"{key} is '{value}', which is not a known backend; accepted: {string.Join(", ", accepted)}."]);
    }
}
