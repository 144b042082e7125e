using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary>
/// The background semantic stage as the CLI shows it: the status text "ready · semantic 120/227", and the wait for a set
/// of documents to be embedded with a progress bar on standard error (one plain line per document when standard error is
/// not a terminal; nothing with <c>--json</c>).
/// </summary>
internal static class SemanticProgress
{
    /// <summary>
    /// A document's status for people: <c>failed: …</c>, <c>pending</c>, <c>processing</c>, <c>ready</c> (no embedding
    /// model), or <c>ready · semantic n/total</c>, where n counts the chunks with a vector of <paramref name="model"/>.
    /// </summary>
    public static string StatusText(Document document, string? model) => document.Status switch
    {
        DocumentStatus.Failed => $"failed: {document.Error}",
        DocumentStatus.Ready when model is not null =>
            $"ready · semantic {(document.EmbeddingModel == model ? document.EmbeddedChunks : 0)}/{document.ChunkCount}",
        _ => document.Status.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Embeds each ready document that is not fully embedded yet, one at a time, showing progress; returns each
    /// document's final state, or the reason its embedding failed (the document stays ready, and is tried again later).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, (Document? Document, string? Error)>> WaitAsync(
        DocumentEmbeddingService embedding, IngestionEventHub hub, IReadOnlyList<(string Name, Document Document)> documents, bool json, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, (Document?, string?)>(StringComparer.Ordinal);
        var model = embedding.Model;
        var pending = documents.Where(d => model is not null && d.Document.Status == DocumentStatus.Ready && !d.Document.IsEmbeddedWith(model)).ToList();
        if (pending.Count == 0)
        {
            return outcomes;
        }

        using var subscription = hub.Subscribe();
        var names = pending.ToDictionary(d => d.Document.Id, d => d.Name, StringComparer.Ordinal);
        var console = CliConsole.CreateForProgress();
        var showing = json ? Task.CompletedTask
            : console.Profile.Capabilities.Interactive ? ShowBarsAsync(console, subscription, names, cancellationToken)
            : ShowLinesAsync(subscription, names, cancellationToken);
        foreach (var (_, document) in pending)
        {
            try
            {
                outcomes[document.Id] = (await embedding.EmbedAsync(document.TenantId, document.Id, cancellationToken), null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                outcomes[document.Id] = (document, $"semantic stage failed: {ex.Message}");
            }
        }

        subscription.Dispose();
        await showing;
        return outcomes;
    }

    private static async Task ShowLinesAsync(IngestionEventHub.Subscription subscription, IReadOnlyDictionary<string, string> names, CancellationToken cancellationToken)
    {
        await foreach (var e in subscription.ReadAllAsync(cancellationToken))
        {
            if (e.IsEmbeddingComplete && names.TryGetValue(e.DocumentId, out var name))
            {
                await Console.Error.WriteLineAsync($"{name}: ready · semantic {e.EmbeddedChunks}/{e.ChunkCount}");
            }
        }
    }

    private static Task ShowBarsAsync(
        IAnsiConsole console, IngestionEventHub.Subscription subscription, IReadOnlyDictionary<string, string> names, CancellationToken cancellationToken) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = names.ToDictionary(n => n.Key, n => context.AddTask($"{Markup.Escape(n.Value)} [grey]semantic[/]", autoStart: false, maxValue: 1), StringComparer.Ordinal);
                await foreach (var e in subscription.ReadAllAsync(cancellationToken))
                {
                    if (!e.IsEmbedding || !tasks.TryGetValue(e.DocumentId, out var task))
                    {
                        continue;
                    }

                    task.StartTask();
                    task.MaxValue = Math.Max(1, e.ChunkCount);
                    task.Value = e.EmbeddedChunks;
                    task.Description = $"{Markup.Escape(names[e.DocumentId])} [grey]semantic {e.EmbeddedChunks}/{e.ChunkCount}[/]";
                    if (e.IsEmbeddingComplete)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                }
            });
}
