namespace AgentRag.Storage.Sqlite.Schema;

/// <summary>What the embedded database's schema holds, read from SQLite's own catalog (for code that walks every table).</summary>
public static class SqliteCatalog
{
    /// <summary>The database's own tables, by name (SQLite's internal <c>sqlite_*</c> tables left out).</summary>
    public static List<string> Tables(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var tables = new List<string>();
        using var statement = connection.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
        while (statement.Step())
        {
            tables.Add(statement.GetString(0));
        }

        return tables;
    }

    /// <summary>The columns of <paramref name="table"/>, in their order.</summary>
    public static List<string> Columns(SqliteConnection connection, string table)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var statement = connection.Prepare("SELECT name FROM pragma_table_info(@table)");
        statement.Bind("@table", table);
        var columns = new List<string>();
        while (statement.Step())
        {
            columns.Add(statement.GetString(0));
        }

        return columns;
    }
}
