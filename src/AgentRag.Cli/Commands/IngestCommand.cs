using System.Collections.Concurrent;
using System.CommandLine;
using AgentRag.Core.Coordination;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag ingest &lt;files-or-dirs…&gt; [--no-wait]</c>: ingests files and reports each document's outcome. A document
/// is ready once keyword-searchable; with an embedding model configured the command then waits for the semantic stage
/// (progress on standard error) unless <c>--no-wait</c>, which leaves it to a running server or the next command.
/// </summary>
internal static class IngestCommand
{
    /// <summary>One line of <c>--json</c> output per file.</summary>
    internal sealed record IngestResult(string? Id, string File, string Status, int Pages, int Chunks, string? Error, bool Duplicate, int EmbeddedChunks = 0, string? EmbeddingModel = null);

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once documents are keyword-searchable (ready), without waiting for their embeddings." };
        var command = new Command("ingest", "Ingest documents into the data folder; exits 0 only if every document is ready (and, unless --no-wait, embedded).") { paths, noWait };
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

            var embedding = host.Get<DocumentEmbeddingService>();
            if (!parseResult.GetValue(noWait) && embedding.IsEnabled)
            {
                var store = host.Get<Core.Storage.IDocumentStore>();
                var ready = new List<(string Name, Document Document)>();
                foreach (var result in results.Values.Where(r => r is { Status: "ready", Id: not null }))
                {
                    if (await store.GetAsync(host.TenantId, result.Id!, cancellationToken) is { } document)
                    {
                        ready.Add((Path.GetFileName(result.File), document));
                    }
                }

                var embedded = await SemanticProgress.WaitAsync(embedding, host.Get<IngestionEventHub>(), ready, host.Json, cancellationToken);
                foreach (var (file, result) in results.ToList())
                {
                    if (result.Id is { } id && embedded.TryGetValue(id, out var outcome))
                    {
                        results[file] = outcome.Document is { } final
                            ? ToResult(file, final, result.Duplicate) with { Error = outcome.Error ?? final.Error }
                            : result with { Status = "failed", Error = $"{file}: the document was deleted during embedding." };
                    }
                }
            }

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
                WriteTable(ordered, embedding.Model);
            }

            return ordered.All(r => r.Status == "ready" && r.Error is null) ? ExitCodes.Success : ExitCodes.Failure;
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
        duplicate,
        document.EmbeddedChunks,
        document.EmbeddingModel);

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

    private static void WriteTable(IReadOnlyList<IngestResult> results, string? model)
    {
        var table = new Table().AddColumns("File", "Status", "Pages", "Chunks", "Id / error");
        foreach (var r in results)
        {
            var semantic = model is null ? "" : $" · semantic {(r.EmbeddingModel == model ? r.EmbeddedChunks : 0)}/{r.Chunks}";
            var status = r.Status == "ready" ? $"[green]ready[/]{Markup.Escape(semantic)}" : $"[red]{Markup.Escape(r.Status)}[/]";
            table.AddRow(Markup.Escape(Path.GetFileName(r.File)), status, r.Pages.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.Chunks.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.Error ?? r.Id ?? ""));
        }

        AnsiConsole.Write(table);
    }
}
