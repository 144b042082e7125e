using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Retrieval.Search;

namespace AgentRag.Server.Hosting;

/// <summary>
/// Invalidates a tenant's cached search results when one of its documents finishes ingestion: search returns chunks of
/// ready documents only, so the set of results changes when a document becomes ready (after its chunks were indexed).
/// </summary>
internal sealed class SearchCacheReadyInvalidation(IngestionEventHub hub, SearchResultCache cache) : BackgroundService
{
    private IngestionEventHub.Subscription? _subscription;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = hub.Subscribe();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in _subscription!.ReadAllAsync(stoppingToken))
            {
                if (e.IsTerminal || e.IsEmbeddingComplete)
                {
                    cache.Invalidate(e.TenantId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _subscription?.Dispose();
        base.Dispose();
    }
}
