using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Storage;
using AgentRag.Storage.Postgres.Schema;
using Npgsql;

namespace AgentRag.Storage.Postgres.Data;

/// <summary>
/// <see cref="ITenantDataStore"/> over every table of the schema that has a <c>tenant_id</c> column (exports leave out
/// <see cref="SecretColumn"/>). Erasure deletes the tenant's rows in one transaction, children before parents, then runs
/// <c>VACUUM</c> on each table it deleted from (<c>VACUUM FULL</c>, which rewrites the table's files so no dead row
/// version survives in them, when <see cref="PostgresStorageOptions.VacuumFullOnErasure"/>). The WAL and backups keep old
/// pages until they are recycled (docs/deployment.md). Thread-safe.
/// </summary>
public sealed class PostgresTenantDataStore(PostgresDatabase database) : ITenantDataStore
{
    /// <summary>A column never exported: API key hashes (HMACs under the server's secret; useless to the tenant).</summary>
    public const string SecretColumn = "hash";

    public async Task<IReadOnlyList<TenantTableExport>> ExportAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        // One snapshot for every table.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var exports = new List<TenantTableExport>();
        foreach (var (table, _) in await PostgresCatalog.TenantTablesAsync(connection, transaction, cancellationToken))
        {
            using var buffer = new MemoryStream();
            var rows = 0;
            await using (var command = connection.Command($"SELECT * FROM \"{table}\" WHERE tenant_id = @tenant", transaction).With("tenant", tenantId))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    using (var json = new Utf8JsonWriter(buffer))
                    {
                        WriteRow(json, reader);
                    }

                    buffer.WriteByte((byte)'\n');
                    rows++;
                }
            }

            exports.Add(new TenantTableExport(table, rows, buffer.ToArray()));
        }

        await transaction.CommitAsync(cancellationToken);
        return exports;
    }

    public async Task<IReadOnlyDictionary<string, int>> EraseAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        var deleted = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // Children before parents, so a cascade never counts rows under another table's name.
            foreach (var (table, _) in (await PostgresCatalog.TenantTablesAsync(connection, transaction, cancellationToken)).OrderByDescending(t => t.Depth))
            {
                await using var command = connection.Command($"DELETE FROM \"{table}\" WHERE tenant_id = @tenant", transaction).With("tenant", tenantId);
                deleted[table] = await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        // VACUUM cannot run inside a transaction: after the deletion committed, on each table it touched.
        var vacuum = database.Options.VacuumFullOnErasure ? "VACUUM (FULL)" : "VACUUM";
        foreach (var table in deleted.Where(d => d.Value > 0).Select(d => d.Key))
        {
            await using var command = connection.Command($"{vacuum} \"{table}\"");
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return deleted;
    }

    private static void WriteRow(Utf8JsonWriter json, NpgsqlDataReader reader)
    {
        json.WriteStartObject();
        for (var column = 0; column < reader.FieldCount; column++)
        {
            var name = reader.GetName(column);
            if (name == SecretColumn)
            {
                continue;
            }

            if (reader.IsDBNull(column))
            {
                json.WriteNull(name);
                continue;
            }

            switch (reader.GetValue(column))
            {
                case long value:
                    json.WriteNumber(name, value);
                    break;
                case int value:
                    json.WriteNumber(name, value);
                    break;
                case double value:
                    json.WriteNumber(name, value);
                    break;
                case byte[] value:
                    json.WriteBase64String(name, value);
                    break;
                case bool value:
                    json.WriteBoolean(name, value);
                    break;
                case var value:
                    json.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }

        json.WriteEndObject();
    }
}
