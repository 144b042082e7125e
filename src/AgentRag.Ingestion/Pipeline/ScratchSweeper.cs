using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// Sweeps stale scratch files (<see cref="ScratchSpace.Sweep"/>) at start and then every
/// <see cref="IngestionOptions.ScratchSweepInterval"/> on the injected <see cref="TimeProvider"/>. The sweep runs inside
/// the timer's callback, so a manual clock's advance has swept when it returns.
/// </summary>
public sealed class ScratchSweeper(ScratchSpace scratch, IOptions<IngestionOptions> options, TimeProvider time, ILogger<ScratchSweeper> logger)
    : IHostedService, IDisposable
{
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        SweepOnce();
        var interval = options.Value.ScratchSweepInterval;
        _timer = time.CreateTimer(_ => SweepOnce(), null, interval, interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void SweepOnce()
    {
        try
        {
            scratch.Sweep();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "Sweeping the scratch folder failed; retrying in {Interval}", options.Value.ScratchSweepInterval);
        }
    }
}
