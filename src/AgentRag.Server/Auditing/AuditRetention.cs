using AgentRag.Core.Audit;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Auditing;

/// <summary>
/// Prunes audit entries older than <see cref="AuditOptions.RetentionDays"/> at start and then every
/// <see cref="AuditOptions.PruneInterval"/> on the injected <see cref="TimeProvider"/>. A failed run is logged and retried
/// at the next interval.
/// </summary>
public sealed class AuditRetention(IAuditLog log, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditRetention> logger)
    : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private ITimer? _timer;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await PruneOnceAsync();
        var interval = options.Value.PruneInterval;
        _timer = time.CreateTimer(_ => _ = PruneOnceAsync(), null, interval, interval);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _running.Dispose();
    }

    /// <summary>Deletes the entries older than the retention; returns how many. Runs one at a time (a call waits for the run in progress).</summary>
    public async Task<int> PruneOnceAsync()
    {
        await _running.WaitAsync();

        try
        {
            var pruned = await log.PruneAsync(time.GetUtcNow().AddDays(-options.Value.RetentionDays));
            if (pruned > 0)
            {
                logger.LogInformation("Audit retention pruned {Count} entries older than {Days} days.", pruned, options.Value.RetentionDays);
            }

            return pruned;
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            logger.LogWarning(ex, "Pruning the audit log failed; retrying in {Interval}.", options.Value.PruneInterval);
            return 0;
        }
        finally
        {
            _running.Release();
        }
    }
}
