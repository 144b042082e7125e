using AgentRag.Core;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRag.Storage.Postgres.Documents;

/// <summary>What happened to a document, as <see cref="PostgresReplicaIndexer"/> hears it.</summary>
public enum DocumentChange
{
    Ready,
    Deleted,
}

/// <summary>
/// Keeps this replica's own search indexes (BM25 and the other <see cref="IngestionStage.Indexing"/>-stage
/// <see cref="IChunkIndexer"/>s, which live in its data folder and memory) in step with documents other replicas ingest
/// or delete: the document store announces each document that becomes ready or is deleted on <see cref="Channel"/>,
/// and this service indexes (from the stored chunks) or removes it here. At start it indexes every ready document
/// changed since the last one it indexed (a watermark in the data folder), so a new or restarted replica catches up with
/// the cluster. Vector indexes are not filled this way: a replica embeds only what it ingests (see ADR 0029).
/// </summary>
public sealed partial class PostgresReplicaIndexer(
    PostgresDatabase database,
    IDocumentStore documents,
    IServiceProvider services,
    DataFolder dataFolder,
    TimeProvider time,
    ILogger<PostgresReplicaIndexer> logger) : BackgroundService
{
    /// <summary>The notification channel of document changes.</summary>
    public const string Channel = "agentrag_documents";

    /// <summary>The watermark file (UTC ticks of the newest ready document indexed here) in the data folder.</summary>
    public const string WatermarkFileName = "replica-index.watermark";

    private const char Separator = '\n';

    private readonly System.Threading.Channels.Channel<(DocumentChange Change, string Tenant, string Document)> _changes =
        System.Threading.Channels.Channel.CreateUnbounded<(DocumentChange, string, string)>(new() { SingleReader = true });

    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the start-up catch-up has indexed what other replicas made ready meanwhile.</summary>
    public Task CaughtUp => _caughtUp.Task;

    /// <summary>The payload announcing <paramref name="change"/> of a document, from replica <paramref name="origin"/>.</summary>
    public static string Payload(string origin, DocumentChange change, string tenantId, string documentId) =>
        string.Join(Separator, origin, change, tenantId, documentId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = PostgresListener.ListenAsync(database, Channel, OnNotification, () => { }, time, logger, stoppingToken);
        try
        {
            await CatchUpAsync(stoppingToken);
        }
        finally
        {
            _caughtUp.TrySetResult();
        }

        try
        {
            await foreach (var (change, tenant, document) in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ApplyAsync(change, tenant, document, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogApplyFailed(ex, change.ToString(), document);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await listening;
    }

    private void OnNotification(string payload)
    {
        var parts = payload.Split(Separator);
        if (parts.Length == 4 && parts[0] != database.InstanceId && Enum.TryParse<DocumentChange>(parts[1], out var change))
        {
            _changes.Writer.TryWrite((change, parts[2], parts[3]));
        }
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataFolder.Root, WatermarkFileName);
        var watermark = File.Exists(path) && long.TryParse(await File.ReadAllTextAsync(path, cancellationToken), out var ticks) ? ticks : 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT tenant_id, id, updated_at FROM documents WHERE status = 'Ready' AND updated_at > @watermark ORDER BY updated_at, tenant_id, id")
            .With("watermark", watermark);
        var pending = new List<(string Tenant, string Document, long UpdatedAt)>();
        await using (var row = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await row.ReadAsync(cancellationToken))
            {
                pending.Add((row.GetString(0), row.GetString(1), row.GetInt64(2)));
            }
        }

        foreach (var (tenant, document, updatedAt) in pending)
        {
            await ApplyAsync(DocumentChange.Ready, tenant, document, cancellationToken);
            await File.WriteAllTextAsync(path, updatedAt.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        }

        if (pending.Count > 0)
        {
            LogCaughtUp(pending.Count);
        }
    }

    private async Task ApplyAsync(DocumentChange change, string tenantId, string documentId, CancellationToken cancellationToken)
    {
        var indexers = services.GetServices<IChunkIndexer>().Where(i => i.Stage == IngestionStage.Indexing).ToList();
        if (change == DocumentChange.Deleted)
        {
            foreach (var indexer in indexers)
            {
                await indexer.RemoveAsync(tenantId, documentId, cancellationToken);
            }

            return;
        }

        if (await documents.GetAsync(tenantId, documentId, cancellationToken) is not { Status: DocumentStatus.Ready } document)
        {
            return; // Deleted or reprocessing meanwhile: its next change is announced too.
        }

        var chunks = await documents.GetChunksAsync(tenantId, documentId, cancellationToken);
        foreach (var indexer in indexers)
        {
            await indexer.IndexAsync(tenantId, documentId, chunks, cancellationToken);
        }

        LogIndexed(document.Id, chunks.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {DocumentId} ({Chunks} chunks), made ready by another replica")]
    private partial void LogIndexed(string documentId, int chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Caught up with {Documents} documents other replicas made ready while this one was away")]
    private partial void LogCaughtUp(int documents);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying '{Change}' of {DocumentId} from another replica failed; it is retried at the next start")]
    private partial void LogApplyFailed(Exception exception, string change, string documentId);
}
