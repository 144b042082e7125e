namespace AgentRag.Storage.Sqlite.Schema;

/// <summary>One step of the schema: the SQL that takes a database from <c>Version - 1</c> to <see cref="Version"/>.</summary>
/// <param name="Version">1-based, contiguous across the list.</param>
/// <param name="Name">What the step does, for error messages and logs.</param>
/// <param name="Sql">A script of one or more statements. It must not open or close transactions itself.</param>
/// <param name="OutsideTransaction">
/// The script cannot run in a transaction (<c>VACUUM</c>): the migrator runs it on its own and then records the version in
/// a transaction of its own. Such a script must be idempotent, since a crash in between, or another process migrating at
/// the same time, runs it again.
/// </param>
public sealed record SqliteMigration(int Version, string Name, string Sql, bool OutsideTransaction = false);

/// <summary>The database's schema cannot be used by this code: it is newer, or a migration failed.</summary>
public sealed class SqliteSchemaException(string message, Exception? innerException = null) : Exception(message, innerException);
