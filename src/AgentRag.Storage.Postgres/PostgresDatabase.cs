using AgentRag.Storage.Postgres.Schema;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AgentRag.Storage.Postgres;

/// <summary>
/// The shared PostgreSQL database: a pooled <see cref="NpgsqlDataSource"/> whose first use in a process brings the
/// schema up to date. Migrations run once per cluster: every replica takes the advisory lock
/// <see cref="MigrationLockKey"/> first, so replicas starting together apply each migration exactly once and wait for
/// each other; <see cref="RunUnderMigrationLockAsync"/> lets other once-per-cluster setup share that lock.
/// Thread-safe; dispose it to close the pool.
/// </summary>
public sealed partial class PostgresDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>The advisory lock key that serialises schema migration and cluster bootstrap ("agentrag" in ASCII).</summary>
    public const long MigrationLockKey = 0x6167656E74726167;

    private readonly SemaphoreSlim _migration = new(1, 1);
    private readonly ILogger _logger;
    private volatile bool _migrated;

    public PostgresDatabase(PostgresStorageOptions options, ILogger<PostgresDatabase>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is required when AgentRag:Storage is postgres (env ConnectionStrings__Postgres).");
        }

        Options = options;
        _logger = logger ?? NullLogger<PostgresDatabase>.Instance;
        DataSource = new NpgsqlDataSourceBuilder(options.ConnectionString).Build();
    }

    /// <summary>This process's id among the replicas sharing the database (in notifications it sends, to skip its own).</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The settings the database was opened with.</summary>
    public PostgresStorageOptions Options { get; }

    /// <summary>The pool; prefer <see cref="OpenAsync"/>, which migrates first.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The schema version this code brings a database to.</summary>
    public static int LatestVersion => PostgresSchema.Migrations[^1].Version;

    /// <summary>A pooled, open connection to a migrated database. Dispose it to return it to the pool.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync(cancellationToken);
        return await DataSource.OpenConnectionAsync(cancellationToken);
    }

    /// <summary>
    /// Brings the schema up to date (once per process; a no-op afterwards). Throws <see cref="InvalidOperationException"/>
    /// when the database's schema is newer than this code's.
    /// </summary>
    public async Task EnsureMigratedAsync(CancellationToken cancellationToken = default)
    {
        if (_migrated)
        {
            return;
        }

        await _migration.WaitAsync(cancellationToken);
        try
        {
            if (!_migrated)
            {
                await RunUnderMigrationLockAsync(MigrateAsync, migrateFirst: false, cancellationToken);
                _migrated = true;
            }
        }
        finally
        {
            _migration.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a connection holding the cluster-wide migration lock, after the schema is up to
    /// date: for setup that must happen once per cluster (the key-hashing secret, the bootstrap admin key).
    /// </summary>
    public Task RunUnderMigrationLockAsync(Func<NpgsqlConnection, CancellationToken, Task> work, CancellationToken cancellationToken = default) =>
        RunUnderMigrationLockAsync(work, migrateFirst: true, cancellationToken);

    private async Task RunUnderMigrationLockAsync(Func<NpgsqlConnection, CancellationToken, Task> work, bool migrateFirst, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (migrateFirst)
        {
            await EnsureMigratedAsync(cancellationToken);
        }

        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = connection.Command("SELECT pg_advisory_lock(@key)").With("key", MigrationLockKey))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await work(connection, cancellationToken);
        }
        finally
        {
            await using var unlock = connection.Command("SELECT pg_advisory_unlock(@key)").With("key", MigrationLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var create = connection.Command("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer NOT NULL PRIMARY KEY,
                description text    NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        int current;
        await using (var read = connection.Command("SELECT coalesce(max(version), 0) FROM schema_migrations"))
        {
            current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL database is at schema version {current}, newer than this build's {LatestVersion}: upgrade AgentRag, or point ConnectionStrings:Postgres at another database.");
        }

        foreach (var migration in PostgresSchema.Migrations.Where(m => m.Version > current))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var apply = connection.Command(migration.Sql, transaction))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = connection.Command("INSERT INTO schema_migrations (version, description) VALUES (@version, @description)", transaction)
                .With("version", migration.Version).With("description", migration.Description))
            {
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LogMigrated(migration.Version, migration.Description);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        _migration.Dispose();
    }

    public void Dispose()
    {
        DataSource.Dispose();
        _migration.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL schema migrated to version {Version} ({Description})")]
    private partial void LogMigrated(int version, string description);
}
