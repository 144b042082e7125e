using Npgsql;

namespace AgentRag.Storage.Postgres.Schema;

/// <summary>A column of a table in the database, as the catalog describes it.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">Its type as <c>format_type</c> writes it (<c>text</c>, <c>bigint</c>, <c>integer</c>, <c>double precision</c>, <c>bytea</c>).</param>
/// <param name="IsIdentity">True for a <c>GENERATED … AS IDENTITY</c> column (the database numbers its rows).</param>
/// <param name="IsPrimaryKey">True when the column is part of the table's primary key.</param>
internal sealed record PostgresColumn(string Name, string Type, bool IsIdentity, bool IsPrimaryKey);

/// <summary>What the store's schema holds, read from PostgreSQL's catalog (for code that walks every table).</summary>
internal static class PostgresCatalog
{
    /// <summary>
    /// The tables of the current schema with a <c>tenant_id</c> column, by name, each with its foreign-key depth below
    /// its root (0 for a table that references none; children sort after their parents by it).
    /// </summary>
    public static async Task<List<(string Table, int Depth)>> TenantTablesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("""
            WITH RECURSIVE tables AS (
                SELECT c.oid, c.relname::text AS name
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND n.nspname = current_schema()
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)),
            depth AS (
                SELECT t.oid AS start, t.oid AS current, 0 AS depth FROM tables t
                UNION ALL
                SELECT d.start, f.confrelid, d.depth + 1 FROM depth d JOIN pg_constraint f ON f.conrelid = d.current AND f.contype = 'f'
                WHERE d.depth < 16)
            SELECT t.name, max(d.depth) FROM tables t JOIN depth d ON d.start = t.oid GROUP BY t.name ORDER BY t.name COLLATE "C"
            """, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tables = new List<(string, int)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tables.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        return tables;
    }

    /// <summary>The columns of <paramref name="table"/> in the current schema, in their order; empty when there is no such table.</summary>
    public static async Task<List<PostgresColumn>> ColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("""
            SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attidentity <> '',
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname = @table AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, transaction).With("table", table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = new List<PostgresColumn>();
        while (await reader.ReadAsync(cancellationToken))
        {
            columns.Add(new PostgresColumn(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
        }

        return columns;
    }
}
