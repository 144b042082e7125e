using AgentRag.Storage.Sqlite.Schema;
using AgentRag.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Tests;

public sealed class SqliteMigratorTests : IDisposable
{
    private static readonly SqliteMigration[] TwoSteps =
    [
        new(1, "create a", "CREATE TABLE a (x INTEGER);"),
        new(2, "create b", "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);"),
    ];

    private readonly TempDirectory _directory = new("sqlite-migrations");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Migrate_FreshDatabase_AppliesAllAndRecordsVersion()
    {
        using var connection = Open();

        SqliteMigrator.Migrate(connection, TwoSteps).ShouldBe(2);

        SqliteMigrator.ReadVersion(connection).ShouldBe(2);
        connection.Execute("INSERT INTO a VALUES (1)").ShouldBe(1);
    }

    [Fact]
    public void Migrate_Reopened_IsIdempotent()
    {
        using (var first = Open())
        {
            SqliteMigrator.Migrate(first, TwoSteps);
        }

        using var second = Open();
        SqliteMigrator.Migrate(second, TwoSteps).ShouldBe(2);

        using var statement = second.Prepare("SELECT count(*) FROM b");
        statement.Step();
        statement.GetInt64(0).ShouldBe(1, "migration 2 ran twice");
    }

    [Fact]
    public void Migrate_OlderDatabase_AppliesOnlyNewSteps()
    {
        using var connection = Open();
        SqliteMigrator.Migrate(connection, TwoSteps[..1]).ShouldBe(1);

        SqliteMigrator.Migrate(connection, TwoSteps).ShouldBe(2);
    }

    [Fact]
    public void Migrate_DatabaseNewerThanCode_ThrowsNamingVersionsAndFile()
    {
        using var connection = Open();
        SqliteMigrator.Migrate(connection, TwoSteps);

        var ex = Should.Throw<SqliteSchemaException>(() => SqliteMigrator.Migrate(connection, TwoSteps[..1]));

        ex.Message.ShouldContain("schema version 2");
        ex.Message.ShouldContain("up to 1");
        ex.Message.ShouldContain(connection.FilePath);
    }

    [Fact]
    public void Migrate_FailingStep_LeavesPreviousVersionAndNoPartialChanges()
    {
        using var connection = Open();
        SqliteMigration[] broken =
        [
            TwoSteps[0],
            new(2, "half broken", "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);"),
        ];

        var ex = Should.Throw<SqliteSchemaException>(() => SqliteMigrator.Migrate(connection, broken));

        ex.Message.ShouldContain("Migration 2 'half broken'");
        ex.Message.ShouldContain("no such table: nowhere");
        ex.InnerException.ShouldBeOfType<SqliteException>();
        SqliteMigrator.ReadVersion(connection).ShouldBe(1);
        Should.Throw<SqliteException>(() => connection.Prepare("SELECT * FROM c")).Message.ShouldContain("no such table: c");
    }

    [Fact]
    public void Migrate_NonContiguousVersions_ThrowsArgumentException()
    {
        using var connection = Open();

        Should.Throw<ArgumentException>(() => SqliteMigrator.Migrate(connection, [new(2, "skip", "SELECT 1;")]))
            .Message.ShouldContain("version 1");
    }

    [Fact]
    public void Open_DatabaseNewerThanStoreSchema_FailsWithClearMessage()
    {
        using (var connection = SqliteConnection.Open(_directory.Combine(SqliteStorageOptions.DatabaseFileName)))
        {
            connection.ExecuteScript("PRAGMA user_version = 999;");
        }

        var ex = Should.Throw<SqliteSchemaException>(() => SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _directory.Path }));

        ex.Message.ShouldContain("schema version 999");
        ex.Message.ShouldContain("newer AgentRag");
    }

    [Fact]
    public void Open_StoreSchema_ReachesLatestVersion()
    {
        using var database = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _directory.Path });

        database.SchemaVersion.ShouldBe(StoreSchema.Migrations.Count);
        database.FilePath.ShouldBe(_directory.Combine("agentrag.db"));
    }

    private SqliteConnection Open() => SqliteConnection.Open(_directory.Combine("migrate.db"));
}
