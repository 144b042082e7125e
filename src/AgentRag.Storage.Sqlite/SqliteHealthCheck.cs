using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentRag.Storage.Sqlite;

/// <summary>
/// Readiness of the embedded store: a read through the pool and a round trip through the writer queue both
/// complete. Unhealthy (with the exception) when either fails or the check's deadline passes. The description names
/// the database file but not its folder, since health probes answer unauthenticated callers.
/// </summary>
public sealed class SqliteHealthCheck(SqliteDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var tables = await database.ReadAsync(connection =>
            {
                using var statement = connection.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
                statement.Step();
                return statement.GetInt64(0);
            }, cancellationToken);
            await database.FlushAsync(cancellationToken);

            var statistics = database.WriterStatistics;
            return HealthCheckResult.Healthy($"{Path.GetFileName(database.FilePath)}: schema v{database.SchemaVersion}, {tables} tables.", new Dictionary<string, object>
            {
                ["commits"] = statistics.Commits,
                ["itemsCommitted"] = statistics.ItemsCommitted,
                ["itemsFailed"] = statistics.ItemsFailed,
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The SQLite store {Path.GetFileName(database.FilePath)} is not usable: {ex.Message}", ex);
        }
    }
}
