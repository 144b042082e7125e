using AgentRag.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Tests;

/// <summary>The SQLite adapter's transient-error rule, on failures SQLite really raises.</summary>
public sealed class SqliteTransientErrorRuleTests : IDisposable
{
    private readonly TempDirectory _directory = new("sqlite-transient");
    private readonly SqliteTransientErrorRule _rule = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void IsTransient_WriteWhileAnotherConnectionHoldsTheWriteLock_True()
    {
        var path = _directory.Combine("busy.db");
        using var holder = SqliteConnection.Open(path);
        holder.ExecuteScript("PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY);");
        using var writer = SqliteConnection.Open(path, new SqliteConnectionOptions { BusyTimeout = TimeSpan.Zero });
        holder.Execute("BEGIN IMMEDIATE");

        var busy = Should.Throw<SqliteException>(() => writer.Execute("INSERT INTO t (id) VALUES (1)"));

        busy.SqliteErrorCode.ShouldBe(SqliteResultCodes.Busy);
        _rule.IsTransient(busy).ShouldBeTrue();
    }

    [Fact]
    public void IsTransient_ConstraintViolation_False()
    {
        using var connection = SqliteConnection.Open(":memory:");
        connection.ExecuteScript("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t (id) VALUES (1);");

        var duplicate = Should.Throw<SqliteException>(() => connection.Execute("INSERT INTO t (id) VALUES (1)"));

        duplicate.SqliteErrorCode.ShouldBe(SqliteResultCodes.Constraint);
        _rule.IsTransient(duplicate).ShouldBeFalse();
    }

    [Theory]
    [InlineData(SqliteResultCodes.Locked, true)]
    [InlineData(517, true)] // SQLITE_BUSY_SNAPSHOT: an extended busy code
    [InlineData(SqliteResultCodes.ReadOnly, false)]
    [InlineData(SqliteResultCodes.CantOpen, false)]
    public void IsTransient_ResultCode_OnlyBusyAndLockedAreTransient(int resultCode, bool transient) =>
        _rule.IsTransient(new SqliteException("SQLite error", resultCode, resultCode)).ShouldBe(transient);

    [Fact]
    public void IsTransient_OtherExceptions_False()
    {
        _rule.IsTransient(new IOException("disk")).ShouldBeFalse();
        _rule.IsTransient(new InvalidOperationException("bad")).ShouldBeFalse();
        _rule.IsTransient(new OperationCanceledException()).ShouldBeFalse();
    }
}
