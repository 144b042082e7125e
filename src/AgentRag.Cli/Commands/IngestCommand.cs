using System.Collections.Concurrent;
using System.CommandLine;
using AgentRag.Core.Coordination;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary><c>agentrag ingest &lt;files-or-dirs…&gt;</c>: ingests files and reports each document's outcome.</summary>
internal static class IngestCommand
{
    /// <summary>One line of <c>--json</c> output per file.</summary>
    internal sealed record IngestResult(string? Id, string File, string Status, int Pages, int Chunks, string? Error, bool Duplicate);

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("ingest", "Ingest documents into the data folder; exits 0 only if every document is ready.") { paths };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var ingestion = host.Get<DocumentIngestionService>();
            var options = host.Get<IOptions<IngestionOptions>>().Value;
            var hub = host.Get<IngestionEventHub>();

            // A previous run that died mid-ingestion left documents behind: finish them too.
            var resumed = await ResumeUnfinishedAsync(host, cancellationToken);

            var results = new ConcurrentDictionary<string, IngestResult>(StringComparer.Ordinal);
            var work = new List<(string File, Document Document)>();
            foreach (var file in ExpandPaths(parseResult.GetValue(paths) ?? []))
            {
                if (file.Missing)
                {
                    results[file.Path] = new IngestResult(null, file.Path, "failed", 0, 0, $"{file.Path}: no such file or directory.", false);
                    continue;
                }

                try
                {
                    var submitted = await ingestion.SubmitFileAsync(host.TenantId, file.Path, cancellationToken: cancellationToken);
                    if (submitted.Document.Status == DocumentStatus.Ready)
                    {
                        results[file.Path] = ToResult(file.Path, submitted.Document, duplicate: true);
                    }
                    else if (work.All(w => w.Document.Id != submitted.Document.Id))
                    {
                        work.Add((file.Path, submitted.Document));
                    }
                }
                catch (IngestionRejectedException ex)
                {
                    results[file.Path] = new IngestResult(null, file.Path, "failed", 0, 0, ex.Message, false);
                }
            }

            var toProcess = work.Concat(resumed.Where(r => work.All(w => w.Document.Id != r.Document.Id))).ToList();
            var reporter = ProgressReporter.Create(host.Json, toProcess);
            using var subscription = hub.Subscribe();
            var reporting = reporter.RunAsync(subscription, cancellationToken);
            await Parallel.ForEachAsync(
                toProcess,
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrentDocuments, CancellationToken = cancellationToken },
                async (item, token) =>
                {
                    var final = await ingestion.ProcessAsync(item.Document.TenantId, item.Document.Id, token);
                    results[item.File] = final is null
                        ? new IngestResult(item.Document.Id, item.File, "failed", 0, 0, $"{item.File}: the document was deleted during ingestion.", false)
                        : ToResult(item.File, final, duplicate: false);
                });
            subscription.Dispose();
            await reporting;

            var ordered = results.Values.OrderBy(r => r.File, StringComparer.Ordinal).ToList();
            if (host.Json)
            {
                foreach (var result in ordered)
                {
                    JsonOutput.WriteLine(result);
                }
            }
            else
            {
                WriteTable(ordered);
            }

            return ordered.All(r => r.Status == "ready") ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static async Task<List<(string File, Document Document)>> ResumeUnfinishedAsync(
        CliHost host, CancellationToken cancellationToken)
    {
        // Only when no server (or other ingest) is recovering this data folder's unfinished documents itself.
        var resumed = new List<(string, Document)>();
        using (var lease = await host.Get<IDistributedLock>().TryAcquireAsync(LeaseNames.IngestionRecovery, cancellationToken))
        {
            if (lease is null)
            {
                return resumed;
            }
        }

        var store = host.Get<Core.Storage.IDocumentStore>();
        foreach (var document in await store.ListUnfinishedAsync(cancellationToken))
        {
            resumed.Add((document.StoredPath, document));
        }

        return resumed;
    }

    private static IngestResult ToResult(string file, Document document, bool duplicate) => new(
        document.Id,
        file,
        document.Status.ToString().ToLowerInvariant(),
        document.PageCount,
        document.ChunkCount,
        document.Error,
        duplicate);

    private static IEnumerable<(string Path, bool Missing)> ExpandPaths(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                yield return (path, false);
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden })
                    .Order(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    yield return (file, false);
                }
            }
            else
            {
                yield return (path, true);
            }
        }
    }

    private static void WriteTable(IReadOnlyList<IngestResult> results)
    {
        var table = new Table().AddColumns("File", "Status", "Pages", "Chunks", "Id / error");
        foreach (var r in results)
        {
            var status = r.Status == "ready" ? "[green]ready[/]" : $"[red]{Markup.Escape(r.Status)}[/]";
            table.AddRow(Markup.Escape(Path.GetFileName(r.File)), status, r.Pages.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.Chunks.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.Error ?? r.Id ?? ""));
        }

        AnsiConsole.Write(table);
    }
}
