using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Schema;

/// <summary>
/// Brings a database to the latest version of an ordered migration list. The version lives in
/// <c>PRAGMA user_version</c>; each migration runs in its own IMMEDIATE transaction together with the version bump,
/// so a failed migration leaves the database at the previous version. A migration marked
/// <see cref="SqliteMigration.OutsideTransaction"/> (a <c>VACUUM</c>) runs first on its own, then its version is recorded in
/// a transaction. Re-running is a no-op.
/// </summary>
public static class SqliteMigrator
{
    /// <summary>
    /// Applies the migrations the database lacks and returns the resulting version.
    /// Throws <see cref="ArgumentException"/> for a malformed list, and <see cref="SqliteSchemaException"/> when the
    /// database is newer than the list or a migration fails (naming the file and the migration).
    /// </summary>
    public static int Migrate(SqliteConnection connection, IReadOnlyList<SqliteMigration> migrations)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Validate(migrations);
        var latest = migrations.Count;

        var current = ReadVersion(connection);
        ThrowIfNewer(connection, current, latest);

        foreach (var migration in migrations)
        {
            if (migration.Version <= current)
            {
                continue;
            }

            if (migration.OutsideTransaction)
            {
                RunOutsideTransaction(connection, migration, current);
            }

            using var transaction = connection.BeginTransaction(SqliteTransactionBehavior.Immediate);

            // Another process may have migrated between our read and taking the write lock.
            current = ReadVersion(connection);
            ThrowIfNewer(connection, current, latest);
            if (migration.Version <= current)
            {
                continue;
            }

            try
            {
                if (!migration.OutsideTransaction)
                {
                    connection.ExecuteScript(migration.Sql);
                }

                connection.ExecuteScript($"PRAGMA user_version = {migration.Version.ToString(CultureInfo.InvariantCulture)};");
                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                throw new SqliteSchemaException(
                    $"Migration {migration.Version} '{migration.Name}' failed on database '{connection.FilePath}'; the database stays at version {current}. {ex.Message}",
                    ex);
            }

            current = migration.Version;
        }

        return current;
    }

    private static void RunOutsideTransaction(SqliteConnection connection, SqliteMigration migration, int current)
    {
        try
        {
            connection.ExecuteScript(migration.Sql);
        }
        catch (SqliteException ex)
        {
            throw new SqliteSchemaException(
                $"Migration {migration.Version} '{migration.Name}' failed on database '{connection.FilePath}'; the database stays at version {current}. {ex.Message}",
                ex);
        }
    }

    /// <summary>The schema version recorded in the database (0 for a new file).</summary>
    public static int ReadVersion(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var statement = connection.Prepare("PRAGMA user_version");
        statement.Step();
        var version = statement.GetInt32(0);
        return version;
    }

    private static void ThrowIfNewer(SqliteConnection connection, int current, int latest)
    {
        if (current > latest)
        {
            throw new SqliteSchemaException(
                $"Database '{connection.FilePath}' has schema version {current}, but this build of AgentRag knows versions up to {latest}. " +
                "It was written by a newer AgentRag: upgrade AgentRag, or point --data at another folder.");
        }
    }

    private static void Validate(IReadOnlyList<SqliteMigration> migrations)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        for (var i = 0; i < migrations.Count; i++)
        {
            var migration = migrations[i];
            if (migration is null || migration.Version != i + 1)
            {
                throw new ArgumentException($"Migration at position {i} must have version {i + 1}; versions are 1-based and contiguous.", nameof(migrations));
            }

            if (string.IsNullOrWhiteSpace(migration.Name) || string.IsNullOrWhiteSpace(migration.Sql))
            {
                throw new ArgumentException($"Migration {migration.Version} needs a name and SQL.", nameof(migrations));
            }
        }
    }
}
