using AgentRag.Core.Search;

namespace AgentRag.Server.Hosting;

/// <summary>
/// Snapshots the loaded keyword indexes when the server stops (<see cref="IKeywordIndex.SaveAllAsync"/>), so the next start loads a snapshot instead of replaying
/// the journal. Durability does not depend on it: every index change is journaled before it is applied.
/// </summary>
internal sealed partial class IndexSnapshotOnShutdown(IKeywordIndex catalog, ILogger<IndexSnapshotOnShutdown> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await catalog.SaveAllAsync(cancellationToken);
        }
        // The catalog may already be disposed when a test host tears down its services first: nothing left to snapshot.
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException or ObjectDisposedException)
        {
            LogSnapshotFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not snapshot the search indexes at shutdown; the next start replays their journals")]
    private partial void LogSnapshotFailed(Exception exception);
}
