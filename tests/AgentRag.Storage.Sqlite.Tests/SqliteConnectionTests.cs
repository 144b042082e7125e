using AgentRag.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Tests;

/// <summary>The connection's contract on Microsoft.Data.Sqlite commands; <see cref="SqliteConnectionRawStatementTests"/> runs it again on raw statements.</summary>
public class SqliteConnectionTests : IDisposable
{
    private readonly TempDirectory _directory = new("sqlite-connection");
    private readonly SqliteConnection _connection;

    public SqliteConnectionTests()
        : this(rawStatements: false)
    {
    }

    protected SqliteConnectionTests(bool rawStatements)
    {
        _connection = SqliteConnection.Open(_directory.Combine("test.db"), new SqliteConnectionOptions { RawStatements = rawStatements });
        _connection.ExecuteScript("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB);");
    }

    protected SqliteConnection Connection => _connection;

    public void Dispose()
    {
        _connection.Dispose();
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Open_NewFile_UsesWalNormalSyncAndForeignKeys()
    {
        Scalar("PRAGMA journal_mode").ShouldBe("wal");
        Scalar("PRAGMA synchronous").ShouldBe("1");
        Scalar("PRAGMA foreign_keys").ShouldBe("1");
    }

    [Fact]
    public void Open_RunsACurrentSqliteWithFts5AndJson()
    {
        // The SQLitePCLRaw 3.x bundle; the 2.0.6 bundle it replaced shipped SQLite 3.35.
        Version.Parse(Scalar("SELECT sqlite_version()")).ShouldBeGreaterThanOrEqualTo(new Version(3, 50));
        Scalar("SELECT sqlite_compileoption_used('ENABLE_FTS5')").ShouldBe("1");
        Scalar("SELECT json_extract('{\"a\": [1, 2]}', '$.a[1]')").ShouldBe("2");
    }

    [Fact]
    public void Open_MissingFolder_ThrowsNamingTheFile()
    {
        var path = _directory.Combine("no-such-folder", "x.db");

        var ex = Should.Throw<SqliteException>(() => SqliteConnection.Open(path));

        ex.SqliteErrorCode.ShouldBe(SqliteResultCodes.CantOpen);
        ex.Message.ShouldContain(path);
    }

    [Fact]
    public void Open_FileThatIsNotADatabase_ThrowsNamingTheFile()
    {
        var path = _directory.Combine("notes.db");
        File.WriteAllText(path, new string('x', 4096));

        var ex = Should.Throw<SqliteException>(() => SqliteConnection.Open(path));

        ex.Message.ShouldContain(path);
        ex.Message.ShouldContain("not a database");
    }

    [Fact]
    public void Open_ReadOnly_RejectsWrites()
    {
        using var reader = SqliteConnection.Open(_connection.FilePath, new SqliteConnectionOptions { Mode = SqliteOpenMode.ReadOnly });

        var ex = Should.Throw<SqliteException>(() => reader.Execute("INSERT INTO t (i) VALUES (1)"));

        ex.SqliteErrorCode.ShouldBe(SqliteResultCodes.ReadOnly);
    }

    [Fact]
    public void Bind_EveryType_RoundTrips()
    {
        byte[] blob = [0, 1, 2, 255, 254];
        using (var insert = _connection.Prepare("INSERT INTO t (id, i, r, s, b) VALUES (@id, @i, @r, @s, @b)"))
        {
            insert.Bind("@id", 1L).Bind("@i", long.MinValue).Bind("@r", Math.PI).Bind("@s", "naïve — 日本語 🚀").Bind("@b", blob).Execute().ShouldBe(1);
            insert.Bind("@id", 2L).Bind("@i", long.MaxValue).Bind("@r", -0.5).Bind("@s", "").Bind("@b", Array.Empty<byte>()).Execute();
            insert.Bind("@id", 3L).BindNull("@i").Bind("@r", (double?)null).Bind("@s", (string?)null).Bind("@b", (byte[]?)null).Execute();
        }

        using var select = _connection.Prepare("SELECT i, r, s, b FROM t ORDER BY id");
        select.Step().ShouldBeTrue();
        select.GetInt64(0).ShouldBe(long.MinValue);
        select.GetDouble(1).ShouldBe(Math.PI);
        select.GetString(2).ShouldBe("naïve — 日本語 🚀");
        select.GetBlob(3).ShouldBe(blob);
        select.GetValueType(3).ShouldBe(SqliteValueType.Blob);

        select.Step().ShouldBeTrue();
        select.GetInt64(0).ShouldBe(long.MaxValue);
        select.GetDouble(1).ShouldBe(-0.5);
        select.GetString(2).ShouldBe("");
        select.GetBlob(3).ShouldBeEmpty();

        select.Step().ShouldBeTrue();
        for (var column = 0; column < 4; column++)
        {
            select.IsNull(column).ShouldBeTrue();
        }

        select.GetNullableInt64(0).ShouldBeNull();
        select.GetNullableDouble(1).ShouldBeNull();
        select.GetNullableString(2).ShouldBeNull();
        select.GetNullableBlob(3).ShouldBeNull();
        select.Step().ShouldBeFalse();
    }

    [Fact]
    public void Bind_ByName_RoundTripsAndReportsColumns()
    {
        using (var insert = _connection.Prepare("INSERT INTO t (i, r, s, b) VALUES (@i, @r, $s, :b)"))
        {
            insert.Bind("@i", 42).Bind("@r", 2.5).Bind("$s", "hello").Bind(":b", new byte[] { 9 }).Execute();
        }

        using var select = _connection.Prepare("SELECT i AS answer, r, s, b FROM t WHERE i = @i");
        select.Bind("@i", (long?)42);
        select.Step().ShouldBeTrue();
        select.ColumnCount.ShouldBe(4);
        select.GetColumnName(0).ShouldBe("answer");
        select.GetInt32(0).ShouldBe(42);
        select.GetNullableDouble(1).ShouldBe(2.5);
        select.GetNullableString(2).ShouldBe("hello");
        select.GetNullableBlob(3).ShouldBe([9]);
    }

    [Fact]
    public void Step_WithAParameterLeftUnbound_ThrowsNamingIt()
    {
        using var statement = _connection.Prepare("SELECT @a, @b");
        statement.Bind("@b", 1);

        Should.Throw<InvalidOperationException>(() => statement.Step()).Message.ShouldContain("@a");
    }

    [Fact]
    public void Prepare_InvalidSql_ThrowsWithCodeAndMessage()
    {
        var ex = Should.Throw<SqliteException>(() => _connection.Prepare("SELEC nothing"));

        ex.SqliteErrorCode.ShouldBe(SqliteResultCodes.Error);
        ex.Message.ShouldContain("syntax error");
    }

    [Fact]
    public void Prepare_UnknownTable_ThrowsNamingTheTable()
    {
        var ex = Should.Throw<SqliteException>(() => _connection.Prepare("SELECT * FROM missing_table"));

        ex.Message.ShouldContain("no such table: missing_table");
    }

    [Fact]
    public void Prepare_TrailingSemicolonAndComment_IsOneStatement()
    {
        using var statement = _connection.Prepare("SELECT 7; -- the answer");

        statement.Step().ShouldBeTrue();
        statement.GetInt64(0).ShouldBe(7);
    }

    [Fact]
    public void Step_BindingsKeptAcrossExecute_RunsAgainWithNewValues()
    {
        using (var insert = _connection.Prepare("INSERT INTO t (i, s) VALUES (@i, @s)"))
        {
            insert.Bind("@i", 1).Bind("@s", "kept").Execute().ShouldBe(1);
            insert.Bind("@i", 2).Execute().ShouldBe(1);
        }

        Scalar("SELECT group_concat(i || s, ',') FROM t").ShouldBe("1kept,2kept");
    }

    [Fact]
    public void Step_FailedStatement_CanRunAgain()
    {
        _connection.Execute("INSERT INTO t (id) VALUES (1)");
        using var insert = _connection.Prepare("INSERT INTO t (id) VALUES (@id)");

        Should.Throw<SqliteException>(() => insert.Bind("@id", 1).Execute());

        insert.Bind("@id", 2).Execute().ShouldBe(1);
        Count().ShouldBe(2);
    }

    [Fact]
    public void Step_ConstraintViolation_ReportsExtendedCode()
    {
        _connection.Execute("INSERT INTO t (id) VALUES (1)");

        var ex = Should.Throw<SqliteException>(() => _connection.Execute("INSERT INTO t (id) VALUES (1)"));

        ex.SqliteErrorCode.ShouldBe(SqliteResultCodes.Constraint);
        ex.SqliteExtendedErrorCode.ShouldBe(SqliteResultCodes.ConstraintPrimaryKey);
        ex.Message.ShouldContain("UNIQUE constraint failed: t.id");
    }

    [Fact]
    public void Prepare_SameSqlAfterDispose_ReusesCachedStatementWithClearedBindings()
    {
        SqliteStatement first;
        using (first = _connection.Prepare("SELECT @v"))
        {
            first.Bind("@v", 5).Step().ShouldBeTrue();
        }

        using var second = _connection.Prepare("SELECT @v");

        second.ShouldBeSameAs(first);
        Should.Throw<InvalidOperationException>(() => second.Step()).Message.ShouldContain("@v");
        second.Bind("@v", 6).Step().ShouldBeTrue();
        second.GetInt64(0).ShouldBe(6);
    }

    [Fact]
    public void Prepare_SameSqlWhileLeased_ReturnsDistinctStatements()
    {
        using var outer = _connection.Prepare("SELECT 1");
        using var inner = _connection.Prepare("SELECT 1");

        inner.ShouldNotBeSameAs(outer);
    }

    [Fact]
    public void Statement_UsedAfterDispose_ThrowsObjectDisposed()
    {
        var statement = _connection.Prepare("SELECT 1");
        statement.Dispose();

        Should.Throw<ObjectDisposedException>(() => statement.Step());
    }

    [Fact]
    public void GetString_OnNullOrWithoutRow_ThrowsClearly()
    {
        using var statement = _connection.Prepare("SELECT NULL");

        Should.Throw<InvalidOperationException>(() => statement.GetString(0)).Message.ShouldContain("Step()");
        statement.Step();
        Should.Throw<InvalidCastException>(() => statement.GetString(0)).Message.ShouldContain("NULL");
        Should.Throw<ArgumentOutOfRangeException>(() => statement.GetInt64(3));
    }

    [Fact]
    public void GetInt32_ValueOutsideInt32_ThrowsInvalidCast()
    {
        using var statement = _connection.Prepare("SELECT 5000000000");
        statement.Step();

        Should.Throw<InvalidCastException>(() => statement.GetInt32(0));
    }

    [Fact]
    public void BeginTransaction_DisposedWithoutCommit_RollsBack()
    {
        using (var transaction = _connection.BeginTransaction())
        {
            _connection.Execute("INSERT INTO t (i) VALUES (1)");
            _connection.IsInTransaction.ShouldBeTrue();
        }

        _connection.IsInTransaction.ShouldBeFalse();
        Count().ShouldBe(0);
    }

    [Fact]
    public void BeginTransaction_Committed_Persists()
    {
        using (var transaction = _connection.BeginTransaction(SqliteTransactionBehavior.Immediate))
        {
            _connection.Execute("INSERT INTO t (i) VALUES (1)");
            transaction.Commit();
        }

        Count().ShouldBe(1);
        using var other = SqliteConnection.Open(_connection.FilePath, new SqliteConnectionOptions { Mode = SqliteOpenMode.ReadOnly });
        using var statement = other.Prepare("SELECT count(*) FROM t");
        statement.Step();
        statement.GetInt64(0).ShouldBe(1);
    }

    [Fact]
    public void BeginTransaction_Nested_RollsBackOnlyTheSavepoint()
    {
        using (var outer = _connection.BeginTransaction())
        {
            _connection.Execute("INSERT INTO t (i) VALUES (1)");
            using (var inner = _connection.BeginTransaction())
            {
                inner.IsNested.ShouldBeTrue();
                _connection.Execute("INSERT INTO t (i) VALUES (2)");
            }

            outer.Commit();
        }

        Scalar("SELECT group_concat(i) FROM t").ShouldBe("1");
    }

    [Fact]
    public void Commit_OuterBeforeInner_ThrowsInvalidOperation()
    {
        using var outer = _connection.BeginTransaction();
        using var inner = _connection.BeginTransaction();

        Should.Throw<InvalidOperationException>(outer.Commit).Message.ShouldContain("innermost");
    }

    [Fact]
    public void Commit_Twice_ThrowsInvalidOperation()
    {
        using var transaction = _connection.BeginTransaction();
        transaction.Commit();

        Should.Throw<InvalidOperationException>(transaction.Commit);
    }

    [Fact]
    public void Dispose_WithLeasedStatement_DoesNotThrowAndConnectionRejectsUse()
    {
        var connection = SqliteConnection.Open(_directory.Combine("other.db"));
        var statement = connection.Prepare("SELECT 1");

        connection.Dispose();
        statement.Dispose();

        Should.Throw<ObjectDisposedException>(() => connection.Prepare("SELECT 1"));
    }

    [Fact]
    public void TotalChangesAndLastInsertRowId_TrackWrites()
    {
        _connection.Execute("INSERT INTO t (i) VALUES (1)");
        _connection.Execute("INSERT INTO t (i) VALUES (2)");

        _connection.LastInsertRowId.ShouldBe(2);
        _connection.Execute("UPDATE t SET i = i + 1").ShouldBe(2);
        _connection.TotalChanges.ShouldBe(4);
    }

    private long Count()
    {
        using var statement = _connection.Prepare("SELECT count(*) FROM t");
        statement.Step();
        return statement.GetInt64(0);
    }

    private string Scalar(string sql)
    {
        using var statement = _connection.Prepare(sql);
        statement.Step().ShouldBeTrue();
        return statement.GetString(0);
    }
}

/// <summary>The same contract on raw SQLitePCLRaw statements (the group-commit writer's), plus what only they check.</summary>
public sealed class SqliteConnectionRawStatementTests : SqliteConnectionTests
{
    public SqliteConnectionRawStatementTests()
        : base(rawStatements: true)
    {
    }

    [Fact]
    public void Bind_UnknownName_ThrowsNamingIt()
    {
        using var statement = Connection.Prepare("SELECT @a");

        Should.Throw<ArgumentException>(() => statement.Bind("@b", 1)).Message.ShouldContain("'@b'");
    }

    [Fact]
    public void Prepare_SeveralStatements_ThrowsArgument()
    {
        Should.Throw<ArgumentException>(() => Connection.Prepare("SELECT 1; SELECT 2")).Message.ShouldContain("ExecuteScript");
        Should.Throw<ArgumentException>(() => Connection.Prepare("-- nothing")).Message.ShouldContain("no statement");
    }
}
