using AgentRag.Core;
using AgentRag.Core.Coordination;
using AgentRag.Core.Security;
using AgentRag.Storage.Postgres.Documents;
using AgentRag.Storage.Postgres.Schema;
using AgentRag.Storage.Postgres.Security;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Schema;
using AgentRag.Storage.Sqlite.Security;
using Npgsql;
using NpgsqlTypes;

namespace AgentRag.Storage.Postgres.Import;

/// <summary>What one table of an import did.</summary>
/// <param name="Table">The table's name (the same in both stores).</param>
/// <param name="Rows">Rows in the data folder.</param>
/// <param name="Copied">Rows written to the database.</param>
/// <param name="AlreadyThere">Rows the database already held, identical (an earlier run of the same import).</param>
public sealed record EmbeddedImportTable(string Table, int Rows, int Copied, int AlreadyThere);

/// <summary>What an import did.</summary>
/// <param name="Tables">Each table of the data folder, parents before children.</param>
/// <param name="FilesCopied">Originals copied into the blob folder.</param>
/// <param name="FilesAlreadyThere">Originals the blob folder already held, byte for byte.</param>
/// <param name="KeySecretCopied">True when the folder's API key secret became the database's (its keys keep working).</param>
public sealed record EmbeddedImportResult(IReadOnlyList<EmbeddedImportTable> Tables, int FilesCopied, int FilesAlreadyThere, bool KeySecretCopied)
{
    /// <summary>Rows written over every table.</summary>
    public int RowsCopied => Tables.Sum(t => t.Copied);
}

/// <summary>Why an import was refused.</summary>
public enum EmbeddedImportFailure
{
    /// <summary>The data folder does not exist.</summary>
    NotFound,

    /// <summary>The folder is not an AgentRag data folder (no database in it).</summary>
    NotADataFolder,

    /// <summary>A process (an embedded server) is using the data folder.</summary>
    InUse,

    /// <summary>The database or the blob folder holds some of the folder's ids or files with other contents.</summary>
    Conflict,

    /// <summary>The folder's schema does not map onto the database's (a table or column the database lacks).</summary>
    SchemaMismatch,
}

/// <summary>An import refused before it wrote anything; <see cref="Exception.Message"/> says why and what to do.</summary>
public sealed class EmbeddedImportException(EmbeddedImportFailure failure, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public EmbeddedImportFailure Failure { get; } = failure;
}

/// <summary>
/// Copies an embedded data folder (its SQLite database, its originals and its API key secret) into the shared PostgreSQL
/// database and blob folder: <c>agentrag migrate --from-data</c>. The two schemas have the same tables and columns
/// (ADR 0029), so every table is copied row for row, parents before children, from one snapshot of the folder.
/// <para>
/// All or nothing: rows go through temporary tables in one transaction that holds the migration lock, and originals are
/// copied only once every check passed (and removed again if the commit fails). Idempotent: a row or file the target
/// already holds identically is left alone, so running the same import again copies nothing. A row whose key the
/// database holds with other contents, an original that differs, or a different API key secret when the folder has keys
/// refuses the whole import (<see cref="EmbeddedImportFailure.Conflict"/>).
/// </para>
/// Search indexes are not copied: every replica builds its keyword index from the copied chunks (replicas running during
/// the import are told of each ready document; one that starts later catches up). Vectors stay in the folder.
/// </summary>
public sealed class EmbeddedDataImporter(PostgresDatabase database, string blobRoot)
{
    private const string StagePrefix = "import_";

    /// <summary>
    /// Imports <paramref name="dataFolder"/>, reporting each step to <paramref name="progress"/>. Throws
    /// <see cref="EmbeddedImportException"/> when refused (nothing written), <see cref="NpgsqlException"/> when the database
    /// cannot be reached, and <see cref="SqliteSchemaException"/> when the folder's database is newer than this build.
    /// </summary>
    public async Task<EmbeddedImportResult> ImportAsync(string dataFolder, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataFolder);
        var root = Path.GetFullPath(dataFolder);
        if (!Directory.Exists(root))
        {
            throw new EmbeddedImportException(EmbeddedImportFailure.NotFound, $"The data folder '{root}' does not exist.");
        }

        var source = new DataFolder(root);
        if (!File.Exists(source.DatabasePath))
        {
            throw new EmbeddedImportException(
                EmbeddedImportFailure.NotADataFolder, $"'{source.Root}' is not an AgentRag data folder: it has no {Path.GetFileName(source.DatabasePath)}.");
        }

        // The lease an embedded server holds while it runs: held here too, so none starts on the folder meanwhile.
        var locks = new FileDistributedLock(source.Root);
        await using var inUse = await locks.TryAcquireAsync(LeaseNames.IngestionRecovery, cancellationToken)
            ?? throw new EmbeddedImportException(
                EmbeddedImportFailure.InUse,
                $"A process is using the data folder '{source.Root}' ({locks.GetLockFilePath(LeaseNames.IngestionRecovery)} is locked): stop it, then migrate.");

        await using var sqlite = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = source.Root });
        progress?.Report($"Reading {source.DatabasePath} (schema version {sqlite.SchemaVersion}).");
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var serialize = connection.Command("SELECT pg_advisory_xact_lock(@key)", transaction).With("key", PostgresDatabase.MigrationLockKey))
        {
            await serialize.ExecuteNonQueryAsync(cancellationToken);
        }

        var tables = await PlanAsync(connection, transaction, sqlite, cancellationToken);
        await StageAsync(connection, transaction, sqlite, tables, cancellationToken);
        var compared = new List<(TablePlan Plan, int Rows, int New, int Same, int Different)>();
        foreach (var table in tables)
        {
            compared.Add(await CompareAsync(connection, transaction, table, cancellationToken));
        }

        var conflicts = compared.Where(c => c.Different > 0).Select(c => $"{c.Plan.Name} ({c.Different} of {c.Rows})").ToList();
        if (conflicts.Count > 0)
        {
            throw new EmbeddedImportException(
                EmbeddedImportFailure.Conflict,
                $"The database already holds rows with the data folder's keys but other contents: {string.Join(", ", conflicts)}. " +
                "The folder was imported before and has changed since (or the database belongs to another platform); nothing was copied.");
        }

        var keysInFolder = compared.Where(c => c.Plan.Name == "api_keys").Sum(c => c.Rows);
        var keySecretCopied = await ImportKeySecretAsync(connection, transaction, source, keysInFolder, cancellationToken);
        var files = PlanFiles(source);
        progress?.Report($"Originals: {files.Copy.Count} to copy, {files.AlreadyThere} already in {Path.Combine(blobRoot, "files")}.");

        var written = new List<string>();
        try
        {
            foreach (var (from, to) in files.Copy)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                var partial = to + ".importing";
                File.Copy(from, partial, overwrite: true);
                File.Move(partial, to);
                written.Add(to);
            }

            var results = new List<EmbeddedImportTable>();
            foreach (var (plan, rows, _, same, _) in compared)
            {
                var copied = await InsertAsync(connection, transaction, plan, cancellationToken);
                results.Add(new EmbeddedImportTable(plan.Name, rows, copied, same));
                if (rows > 0)
                {
                    progress?.Report($"{plan.Name}: {copied} of {rows} rows copied, {same} already there.");
                }
            }

            await AnnounceReadyDocumentsAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new EmbeddedImportResult(results, files.Copy.Count, files.AlreadyThere, keySecretCopied);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            RemoveAll(written);
            throw new EmbeddedImportException(
                EmbeddedImportFailure.Conflict,
                $"The database already holds a row that clashes with the data folder's on {ex.ConstraintName} ({ex.Detail}); nothing was copied.", ex);
        }
        catch
        {
            RemoveAll(written);
            throw;
        }
    }

    /// <summary>Each table of the folder with the columns to copy and the target's key, parents before children.</summary>
    private static async Task<List<TablePlan>> PlanAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SqliteDatabase sqlite, CancellationToken cancellationToken)
    {
        var depths = (await PostgresCatalog.TenantTablesAsync(connection, transaction, cancellationToken)).ToDictionary(t => t.Table, t => t.Depth);
        var sourceTables = await sqlite.ReadAsync(c => SqliteCatalog.Tables(c).Select(t => (Table: t, Columns: SqliteCatalog.Columns(c, t))).ToList(), cancellationToken);
        var plans = new List<(TablePlan Plan, int Depth)>();
        foreach (var (table, sourceColumns) in sourceTables)
        {
            var target = await PostgresCatalog.ColumnsAsync(connection, transaction, table, cancellationToken);
            if (target.Count == 0)
            {
                throw new EmbeddedImportException(
                    EmbeddedImportFailure.SchemaMismatch,
                    $"The data folder's table '{table}' has no counterpart in the database (schema version {PostgresDatabase.LatestVersion}): use an AgentRag build whose PostgreSQL schema has it.");
            }

            var columns = new List<PostgresColumn>();
            foreach (var name in sourceColumns)
            {
                var column = target.Find(c => c.Name == name) ?? throw new EmbeddedImportException(
                    EmbeddedImportFailure.SchemaMismatch,
                    $"The data folder's column '{table}.{name}' has no counterpart in the database: use an AgentRag build whose PostgreSQL schema has it.");
                _ = TypeOf(table, column);
                columns.Add(column);
            }

            plans.Add((new TablePlan(table, columns), depths.GetValueOrDefault(table)));
        }

        return plans.OrderBy(p => p.Depth).ThenBy(p => p.Plan.Name, StringComparer.Ordinal).Select(p => p.Plan).ToList();
    }

    /// <summary>Copies every table of one snapshot of the folder into a temporary table of the same shape (binary COPY).</summary>
    private static async Task StageAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SqliteDatabase sqlite, List<TablePlan> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            await using var create = connection.Command(
                $"CREATE TEMP TABLE \"{StagePrefix}{table.Name}\" (LIKE \"{table.Name}\" INCLUDING DEFAULTS) ON COMMIT DROP", transaction);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        // One read transaction, so the tables agree with each other. The copy is synchronous: the read runs on the caller's thread.
        await sqlite.ReadAsync(source =>
        {
            foreach (var table in tables)
            {
                var types = table.Columns.Select(c => TypeOf(table.Name, c)).ToArray();
                using var importer = connection.BeginBinaryImport($"COPY \"{StagePrefix}{table.Name}\" ({table.ColumnList()}) FROM STDIN (FORMAT BINARY)");
                using var rows = source.Prepare($"SELECT {table.ColumnList()} FROM \"{table.Name}\"");
                while (rows.Step())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    importer.StartRow();
                    for (var i = 0; i < types.Length; i++)
                    {
                        if (rows.IsNull(i))
                        {
                            importer.WriteNull();
                            continue;
                        }

                        switch (types[i])
                        {
                            case NpgsqlDbType.Bigint:
                                importer.Write(rows.GetInt64(i), NpgsqlDbType.Bigint);
                                break;
                            case NpgsqlDbType.Integer:
                                importer.Write(checked((int)rows.GetInt64(i)), NpgsqlDbType.Integer);
                                break;
                            case NpgsqlDbType.Double:
                                importer.Write(rows.GetDouble(i), NpgsqlDbType.Double);
                                break;
                            case NpgsqlDbType.Bytea:
                                importer.Write(rows.GetBlob(i), NpgsqlDbType.Bytea);
                                break;
                            default:
                                importer.Write(rows.GetString(i), NpgsqlDbType.Text);
                                break;
                        }
                    }
                }

                importer.Complete();
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>How many staged rows are new, identical to the database's, or under a key the database holds otherwise.</summary>
    private static async Task<(TablePlan, int, int, int, int)> CompareAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TablePlan table, CancellationToken cancellationToken)
    {
        var sql = table.Key.Count == 0
            // Rows the database numbers itself (the audit log): one is there when an identical row is.
            ? $"""
               SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM "{table.Name}" t WHERE {table.SameRow()})), 0
               FROM "{StagePrefix}{table.Name}" s
               """
            : $"""
               SELECT count(*), count(*) FILTER (WHERE t.{table.Key[0]} IS NULL),
                      count(*) FILTER (WHERE t.{table.Key[0]} IS NOT NULL AND NOT ({table.SameRow()}))
               FROM "{StagePrefix}{table.Name}" s LEFT JOIN "{table.Name}" t ON {table.SameKey()}
               """;
        await using var command = connection.Command(sql, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var rows = (int)reader.GetInt64(0);
        var fresh = (int)reader.GetInt64(1);
        var different = (int)reader.GetInt64(2);
        return (table, rows, fresh, rows - fresh - different, different);
    }

    /// <summary>Writes the staged rows the database does not hold yet; returns how many.</summary>
    private static async Task<int> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TablePlan table, CancellationToken cancellationToken)
    {
        var copied = table.Columns.Where(c => !c.IsIdentity).ToList();
        var list = string.Join(", ", copied.Select(c => $"\"{c.Name}\""));
        var identity = table.Columns.Find(c => c.IsIdentity);
        var sql = table.Key.Count == 0
            ? $"""
               INSERT INTO "{table.Name}" ({list}) SELECT {string.Join(", ", copied.Select(c => $"s.\"{c.Name}\""))} FROM "{StagePrefix}{table.Name}" s
               WHERE NOT EXISTS (SELECT 1 FROM "{table.Name}" t WHERE {table.SameRow()}) {(identity is null ? "" : $"ORDER BY s.\"{identity.Name}\"")}
               """
            : $"""
               INSERT INTO "{table.Name}" ({list}) SELECT {string.Join(", ", copied.Select(c => $"s.\"{c.Name}\""))} FROM "{StagePrefix}{table.Name}" s
               WHERE NOT EXISTS (SELECT 1 FROM "{table.Name}" t WHERE {table.SameKey()})
               """;
        await using var command = connection.Command(sql, transaction);
        command.CommandTimeout = 0;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Makes the folder's API key secret the database's when it has none, so the folder's keys authenticate on every
    /// replica. Refuses when the database has another secret and the folder has keys (they could not authenticate).
    /// </summary>
    private static async Task<bool> ImportKeySecretAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DataFolder source, int keysInFolder, CancellationToken cancellationToken)
    {
        var file = Path.Combine(source.Root, SqliteApiKeyStore.KeySecretPath);
        if (!File.Exists(file))
        {
            return false;
        }

        var secret = SecretFiles.Read(file, "the data folder's API key secret");
        var existing = await PostgresApiKeyStore.ReadKeySecretAsync(connection, cancellationToken, transaction);
        if (existing is null)
        {
            await using var insert = connection.Command("INSERT INTO cluster_secrets (name, value, created_at) VALUES (@name, @value, @now)", transaction)
                .With("name", PostgresApiKeyStore.KeySecretName).With("value", secret).With("now", File.GetLastWriteTimeUtc(file).Ticks);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }

        if (existing != secret && keysInFolder > 0)
        {
            throw new EmbeddedImportException(
                EmbeddedImportFailure.Conflict,
                $"The database already has an API key secret other than the data folder's ({file}), so the folder's {keysInFolder} API keys would not " +
                "authenticate; nothing was copied. Import into a database without keys, or give every replica the folder's secret as AgentRag:Auth:KeySecret " +
                "(and import with the same setting).");
        }

        return false;
    }

    /// <summary>
    /// The folder's originals to copy into the blob folder, and how many are there already. Refuses when one is there with
    /// other bytes.
    /// </summary>
    private (List<(string From, string To)> Copy, int AlreadyThere) PlanFiles(DataFolder source)
    {
        var copy = new List<(string, string)>();
        var alreadyThere = 0;
        if (!Directory.Exists(source.FilesDirectory))
        {
            return (copy, 0);
        }

        var clashes = new List<string>();
        foreach (var from in Directory.EnumerateFiles(source.FilesDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var to = Path.Combine(blobRoot, Path.GetRelativePath(source.Root, from));
            if (!File.Exists(to))
            {
                copy.Add((from, to));
            }
            else if (SameBytes(from, to))
            {
                alreadyThere++;
            }
            else
            {
                clashes.Add(to);
            }
        }

        return clashes.Count == 0
            ? (copy, alreadyThere)
            : throw new EmbeddedImportException(
                EmbeddedImportFailure.Conflict,
                $"The blob folder already holds {clashes.Count} of the data folder's originals with other contents (first: {clashes[0]}); nothing was copied.");
    }

    /// <summary>Tells running replicas of every ready document, so they index it (sent when the transaction commits).</summary>
    private static async Task AnnounceReadyDocumentsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var payloads = new List<string>();
        await using (var ready = connection.Command($"SELECT tenant_id, id FROM \"{StagePrefix}documents\" WHERE status = 'Ready'", transaction))
        await using (var row = await ready.ExecuteReaderAsync(cancellationToken))
        {
            while (await row.ReadAsync(cancellationToken))
            {
                payloads.Add(PostgresReplicaIndexer.Payload("import", DocumentChange.Ready, row.GetString(0), row.GetString(1)));
            }
        }

        await using var notify = connection.Command("SELECT count(pg_notify(@channel, p)) FROM unnest(@payloads) AS p", transaction)
            .With("channel", PostgresReplicaIndexer.Channel).With("payloads", payloads.ToArray());
        await notify.ExecuteScalarAsync(cancellationToken);
    }

    private static NpgsqlDbType TypeOf(string table, PostgresColumn column) => column.Type switch
    {
        "text" => NpgsqlDbType.Text,
        "bigint" => NpgsqlDbType.Bigint,
        "integer" => NpgsqlDbType.Integer,
        "double precision" => NpgsqlDbType.Double,
        "bytea" => NpgsqlDbType.Bytea,
        _ => throw new EmbeddedImportException(
            EmbeddedImportFailure.SchemaMismatch, $"The database's column '{table}.{column.Name}' has the type {column.Type}, which the import does not map."),
    };

    private static bool SameBytes(string first, string second)
    {
        if (new FileInfo(first).Length != new FileInfo(second).Length)
        {
            return false;
        }

        using var a = File.OpenRead(first);
        using var b = File.OpenRead(second);
        return System.Security.Cryptography.SHA256.HashData(a).AsSpan().SequenceEqual(System.Security.Cryptography.SHA256.HashData(b));
    }

    private static void RemoveAll(List<string> files)
    {
        foreach (var file in files)
        {
            File.Delete(file);
        }
    }

    /// <summary>A table to copy: the folder's columns (all of which the database has) and the database's key.</summary>
    private sealed record TablePlan(string Name, List<PostgresColumn> Columns)
    {
        /// <summary>The primary key's columns; empty when the database numbers the rows itself (an identity key).</summary>
        public List<string> Key { get; } = Columns.Any(c => c.IsPrimaryKey && c.IsIdentity)
            ? []
            : Columns.Where(c => c.IsPrimaryKey).Select(c => $"\"{c.Name}\"").ToList();

        public string ColumnList() => string.Join(", ", Columns.Select(c => $"\"{c.Name}\""));

        public string SameKey() => string.Join(" AND ", Key.Select(k => $"t.{k} = s.{k}"));

        /// <summary>Every copied column equal (nulls equal), the identity left out.</summary>
        public string SameRow()
        {
            var compared = Columns.Where(c => !c.IsIdentity).Select(c => $"\"{c.Name}\"").ToList();
            return $"({string.Join(", ", compared.Select(c => $"t.{c}"))}) IS NOT DISTINCT FROM ({string.Join(", ", compared.Select(c => $"s.{c}"))})";
        }
    }
}
