using System.Text.Json;
using System.Text;
using AgentRag.Core.Storage;
using AgentRag.Core;
using AgentRag.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Data;

/// <summary>
/// <see cref="ITenantDataStore"/> over every table of the database that has a <c>tenant_id</c> column (exports leave out
/// <see cref="SecretColumn"/>). Erasure deletes
/// with <c>secure_delete</c> on (freed cells and pages are zeroed), then runs <c>VACUUM</c> (rebuilds the file, so no
/// stale copy of an earlier row version survives in free space) and <c>wal_checkpoint(TRUNCATE)</c> (empties the WAL).
/// Thread-safe.
/// </summary>
public sealed class SqliteTenantDataStore(SqliteDatabase database) : ITenantDataStore
{
    /// <summary>A column never exported: API key hashes (HMACs under the server's secret; useless to the tenant).</summary>
    public const string SecretColumn = "hash";

    public Task<IReadOnlyList<TenantTableExport>> ExportAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        return database.ReadAsync<IReadOnlyList<TenantTableExport>>(connection =>
        {
            var exports = new List<TenantTableExport>();
            foreach (var table in TenantTables(connection))
            {
                using var buffer = new MemoryStream();
                var rows = 0;
                using (var statement = connection.Prepare($"SELECT * FROM \"{table}\" WHERE tenant_id = @tenant"))
                {
                    statement.Bind("@tenant", tenantId);
                    while (statement.Step())
                    {
                        using (var json = new Utf8JsonWriter(buffer))
                        {
                            WriteRow(json, statement);
                        }

                        buffer.WriteByte((byte)'\n');
                        rows++;
                    }
                }

                exports.Add(new TenantTableExport(table, rows, buffer.ToArray()));
            }

            return exports;
        }, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, int>> EraseAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        var counts = await database.WriteAsync<IReadOnlyDictionary<string, int>>(connection =>
        {
            connection.Execute("PRAGMA secure_delete = ON");
            var deleted = new SortedDictionary<string, int>(StringComparer.Ordinal);

            // Children before parents, so a cascade never counts rows under another table's name.
            foreach (var table in TenantTables(connection).OrderByDescending(ForeignKeyDepth(connection)))
            {
                using var statement = connection.Prepare($"DELETE FROM \"{table}\" WHERE tenant_id = @tenant");
                deleted[table] = statement.Bind("@tenant", tenantId).Execute();
            }

            return deleted;
        }, cancellationToken);

        // VACUUM and a checkpoint cannot run inside the writer's transaction: use a connection of their own, after the
        // deletion committed. Both wait (busy timeout) for the writer and the readers.
        using var scrubber = SqliteConnection.Open(database.FilePath, new SqliteConnectionOptions { Mode = SqliteOpenMode.ReadWrite, BusyTimeout = TimeSpan.FromSeconds(30) });
        scrubber.Execute("PRAGMA secure_delete = ON");
        scrubber.Execute("VACUUM");
        using var checkpoint = scrubber.Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
        if (checkpoint.Step() && checkpoint.GetInt64(0) != 0)
        {
            throw new SqliteException(
                $"The erasure of tenant '{tenantId}' committed, but the write-ahead log of '{database.FilePath}' could not be emptied (a reader is busy); erase again to finish.",
                SqliteResultCodes.Busy, SqliteResultCodes.Busy);
        }

        return counts;
    }

    /// <summary>Tables with a <c>tenant_id</c> column, by name.</summary>
    private static List<string> TenantTables(SqliteConnection connection) =>
        SqliteCatalog.Tables(connection).Where(table => SqliteCatalog.Columns(connection, table).Contains("tenant_id")).ToList();

    /// <summary>How many foreign-key hops a table is below its root (0 for a table that references none).</summary>
    private static Func<string, int> ForeignKeyDepth(SqliteConnection connection) => table =>
    {
        var depth = 0;
        var current = table;
        while (depth < 16)
        {
            using var statement = connection.Prepare("SELECT \"table\" FROM pragma_foreign_key_list(@table) LIMIT 1");
            statement.Bind("@table", current);
            if (!statement.Step())
            {
                break;
            }

            current = statement.GetString(0);
            depth++;
        }

        return depth;
    };

    private static void WriteRow(Utf8JsonWriter json, SqliteStatement statement)
    {
        json.WriteStartObject();
        for (var column = 0; column < statement.ColumnCount; column++)
        {
            var name = statement.GetColumnName(column);
            if (name == SecretColumn)
            {
                continue;
            }

            switch (statement.GetValueType(column))
            {
                case SqliteValueType.Null:
                    json.WriteNull(name);
                    break;
                case SqliteValueType.Integer:
                    json.WriteNumber(name, statement.GetInt64(column));
                    break;
                case SqliteValueType.Float:
                    json.WriteNumber(name, statement.GetDouble(column));
                    break;
                case SqliteValueType.Blob:
                    json.WriteBase64String(name, statement.GetBlob(column));
                    break;
                default:
                    json.WriteString(name, statement.GetString(column));
                    break;
            }
        }

        json.WriteEndObject();
    }
}
