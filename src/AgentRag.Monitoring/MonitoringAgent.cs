using AgentRag.Core.Coordination;
using AgentRag.Monitoring.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Monitoring;

/// <summary>
/// The monitoring agent: a background service that, in the one process holding the <see cref="LeaseNames.Monitoring"/>
/// lease (the data folder's lock file embedded; a PostgreSQL advisory lock in a cluster), runs the due
/// <see cref="MonitoringJobs"/> every <see cref="MonitoringOptions.LeaseDuration"/> on the injected clock. The other
/// processes try to take the lease at the same interval, so when the holder dies (and the lease goes with it) one of
/// them runs the jobs within that time, resuming from the jobs' watermarks. A failed run is logged and retried at the
/// next tick.
/// </summary>
public sealed partial class MonitoringAgent(
    MonitoringJobs jobs, IDistributedLock leases, IOptions<MonitoringOptions> options, TimeProvider time, ILogger<MonitoringAgent> logger) : BackgroundService
{
    private volatile bool _isLeader;

    /// <summary>True while this process holds the monitoring lease and runs the jobs.</summary>
    public bool IsLeader => _isLeader;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled(MonitoringOptions.SectionName);
            return;
        }

        ILease? lease = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (lease is null && (lease = await leases.TryAcquireAsync(LeaseNames.Monitoring, stoppingToken)) is not null)
                    {
                        _isLeader = true;
                        LogLeaseTaken(Environment.ProcessId);
                    }

                    if (lease is not null)
                    {
                        var ran = await jobs.RunDueAsync(stoppingToken);
                        if (ran.Count > 0)
                        {
                            LogRan(string.Join(", ", ran));
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogRunFailed(ex, options.Value.LeaseDuration);
                }

                await Task.Delay(options.Value.LeaseDuration, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _isLeader = false;
            if (lease is not null)
            {
                await lease.DisposeAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The monitoring agent is off ({Section}:Enabled is false).")]
    private partial void LogDisabled(string section);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitoring lease taken: process {ProcessId} runs the monitoring jobs.")]
    private partial void LogLeaseTaken(int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitoring jobs ran: {Jobs}.")]
    private partial void LogRan(string jobs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A monitoring run failed; retrying in {Interval}.")]
    private partial void LogRunFailed(Exception exception, TimeSpan interval);
}
