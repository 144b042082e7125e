using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary>
/// Shows ingestion progress: a live Spectre progress bar per document on a terminal, one plain line per stage change
/// when output is redirected, and nothing with <c>--json</c> (standard output is reserved for the results).
/// </summary>
internal abstract class ProgressReporter
{
    public static ProgressReporter Create(bool json, IReadOnlyList<(string File, Document Document)> documents)
    {
        var names = documents.ToDictionary(d => d.Document.Id, d => Path.GetFileName(d.File), StringComparer.Ordinal);
        if (json || documents.Count == 0)
        {
            return new Silent();
        }

        return !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive
            ? new LiveBars(names)
            : new PlainLines(names);
    }

    /// <summary>Consumes events until the subscription ends.</summary>
    public abstract Task RunAsync(IngestionEventHub.Subscription subscription, CancellationToken cancellationToken);

    private sealed class Silent : ProgressReporter
    {
        public override Task RunAsync(IngestionEventHub.Subscription subscription, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class PlainLines(IReadOnlyDictionary<string, string> names) : ProgressReporter
    {
        public override async Task RunAsync(IngestionEventHub.Subscription subscription, CancellationToken cancellationToken)
        {
            var lastStage = new Dictionary<string, IngestionStage>(StringComparer.Ordinal);
            await foreach (var e in subscription.ReadAllAsync(cancellationToken))
            {
                if (!names.TryGetValue(e.DocumentId, out var name) || (lastStage.TryGetValue(e.DocumentId, out var stage) && stage == e.Stage))
                {
                    continue;
                }

                lastStage[e.DocumentId] = e.Stage;
                Console.WriteLine($"{name}: {e.Stage.ToString().ToLowerInvariant()} {e.Progress}%{(e.Error is null ? "" : " " + e.Error)}");
            }
        }
    }

    private sealed class LiveBars(IReadOnlyDictionary<string, string> names) : ProgressReporter
    {
        public override Task RunAsync(IngestionEventHub.Subscription subscription, CancellationToken cancellationToken) =>
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var tasks = names.ToDictionary(
                        n => n.Key,
                        n => context.AddTask(Markup.Escape(n.Value), maxValue: 100),
                        StringComparer.Ordinal);
                    await foreach (var e in subscription.ReadAllAsync(cancellationToken))
                    {
                        if (!tasks.TryGetValue(e.DocumentId, out var task))
                        {
                            continue;
                        }

                        var label = $"{Markup.Escape(names[e.DocumentId])} [grey]{Markup.Escape(e.Message ?? e.Stage.ToString())}[/]";
                        task.Description = e.Status == DocumentStatus.Failed ? $"{Markup.Escape(names[e.DocumentId])} [red]failed[/]" : label;
                        task.Value = e.Progress;
                        if (e.IsTerminal)
                        {
                            task.Value = 100;
                            task.StopTask();
                        }
                    }
                });
    }
}
