namespace AgentRag.Storage.Postgres.Schema;

/// <summary>One step of the PostgreSQL schema: applied once per database, in one transaction, in version order.</summary>
public sealed record PostgresMigration(int Version, string Description, string Sql);
