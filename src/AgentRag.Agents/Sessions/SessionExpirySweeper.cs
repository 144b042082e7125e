using AgentRag.Core.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Sessions;

/// <summary>
/// Deletes expired sessions of every tenant at start and then every <see cref="Interval"/> (on the injected
/// <see cref="TimeProvider"/>), so sessions that are never asked again do not stay on disk. Reads never depend on it:
/// the store already treats an expired session as absent. A failed sweep is logged and retried at the next interval.
/// </summary>
public sealed class SessionExpirySweeper(ISessionStore sessions, TimeProvider time, ILogger<SessionExpirySweeper> logger) : BackgroundService
{
    /// <summary>Time between sweeps.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var deleted = await sessions.DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} expired sessions", deleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Sweeping expired sessions failed; retrying in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
