using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRag.Storage.Postgres;

/// <summary>
/// Keeps one connection <c>LISTEN</c>ing on a notification channel until cancelled, reconnecting (after a second on the
/// injected clock) when the connection is lost. <c>onListening</c> runs each time listening (re)starts, so the caller
/// can catch up with whatever was announced while nobody listened: notifications are not queued for absent listeners.
/// </summary>
internal static partial class PostgresListener
{
    public static async Task ListenAsync(
        PostgresDatabase database, string channel, Action<string> onNotification, Action onListening, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await database.EnsureMigratedAsync(cancellationToken);
                await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, e) => onNotification(e.Payload);
                await using (var listen = connection.Command($"LISTEN {channel}"))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                onListening();
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                LogListenFailed(logger, channel, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening on PostgreSQL channel {Channel} failed ({Reason}); reconnecting")]
    private static partial void LogListenFailed(ILogger logger, string channel, string reason);
}
