using Npgsql;

namespace AgentRag.TestKit;

/// <summary>
/// A fresh, empty PostgreSQL database on the test server, dropped (with any connection still open to it) on dispose, so
/// tests never share state. The server is the one <c>./test.sh</c> starts: a throwaway PostgreSQL 15 whose connection
/// string it exports in <see cref="EnvironmentVariable"/>. Without it the PostgreSQL tests fail, naming the variable:
/// run them through <c>./test.sh</c>, or set <see cref="EnvironmentVariable"/> to a server where the tests may create
/// and drop databases (by hand, leave out <c>tests/AgentRag.Storage.Postgres.Tests</c> instead).
/// </summary>
public sealed class PostgresTestDatabase : IDisposable
{
    /// <summary>The environment variable holding the test server's connection string (a superuser's, on its <c>postgres</c> database).</summary>
    public const string EnvironmentVariable = "AGENTRAG_TEST_POSTGRES";

    public PostgresTestDatabase()
    {
        Name = $"agentrag_test_{Guid.NewGuid():N}";
        using var connection = OpenServer();
        using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\" TEMPLATE template0 ENCODING 'UTF8'", connection);
        create.ExecuteNonQuery();
        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = Name }.ConnectionString;
    }

    /// <summary>The database's name (<c>agentrag_test_…</c>).</summary>
    public string Name { get; }

    /// <summary>A connection string to this database.</summary>
    public string ConnectionString { get; }

    /// <summary>The test server's connection string, from <see cref="EnvironmentVariable"/>; throws naming it when unset.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set, so there is no PostgreSQL server to test against. Run ./test.sh, which starts a throwaway " +
                $"PostgreSQL 15 and sets it, or set {EnvironmentVariable} to a connection string of a server where tests may create databases " +
                "(e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres).");

    /// <summary>Runs <paramref name="sql"/> on this database and returns the first column of the first row.</summary>
    public object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    /// <summary>
    /// Every row of the database as <c>pg_dump --data-only</c> writes it (plain SQL text, <c>bytea</c> as hex), for tests
    /// that must find no trace of a value in any table.
    /// </summary>
    public async Task<string> DumpAsync()
    {
        var connection = new NpgsqlConnectionStringBuilder(ConnectionString);
        var start = new System.Diagnostics.ProcessStartInfo(PgDump)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--data-only", "--no-owner", "-h", connection.Host!, "-p", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", connection.Username!, Name })
        {
            start.ArgumentList.Add(argument);
        }

        using var dump = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("pg_dump could not be started.");
        var output = dump.StandardOutput.ReadToEndAsync();
        var errors = dump.StandardError.ReadToEndAsync();
        await dump.WaitForExitAsync();
        if (dump.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_dump exited {dump.ExitCode}: {await errors}");
        }

        return await output;
    }

    /// <summary>pg_dump: on the PATH (Debian's wrapper), else the newest server's own.</summary>
    private static string PgDump =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(folder => Path.Combine(folder, "pg_dump")).FirstOrDefault(File.Exists)
        ?? (Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(folder => Path.Combine(folder, "bin", "pg_dump")).Where(File.Exists).Order(StringComparer.Ordinal).LastOrDefault()
            : null)
        ?? throw new InvalidOperationException("pg_dump is not installed: sudo apt-get install postgresql-client-15");

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = OpenServer();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }

    private static NpgsqlConnection OpenServer()
    {
        // No pooling: a pooled connection to the server's database would outlive the test run for nothing.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }
}
