using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentRag.Storage.Postgres;

/// <summary>
/// Readiness of the shared database: the schema is migrated and a round trip succeeds. Unhealthy (with the exception)
/// otherwise. The description names neither host nor user, since health probes answer unauthenticated callers.
/// </summary>
public sealed class PostgresHealthCheck(PostgresDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = connection.Command("SELECT max(version) FROM schema_migrations");
            var version = await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy($"PostgreSQL: schema v{version}.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The PostgreSQL store is not usable: {ex.Message}", ex);
        }
    }
}
