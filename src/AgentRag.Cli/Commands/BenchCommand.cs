using System.CommandLine;
using System.Diagnostics;
using AgentRag.Core;
using AgentRag.Core.Benchmarks;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Models.Local;
using AgentRag.Storage.Sqlite.Benchmarks;

namespace AgentRag.Cli.Commands;

/// <summary><c>agentrag bench store|ingest</c>: throughput and latency measurements (see docs/benchmarks.md).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure throughput and latency.");
        command.Add(CreateStore());
        command.Add(CreateIngest());
        command.Add(BenchSearchCommand.Create());
        command.Add(BenchPeersCommand.Create());
        command.Add(BenchQueryCommand.Create());
        command.Add(BenchRetrievalCommand.Create());
        command.Add(BenchApprovalsCommand.Create());
        command.Add(BenchRetentionCommand.Create());
        return command;
    }

    private static Command CreateStore()
    {
        var rows = new Option<int>("--rows") { Description = "Small rows to insert with group commit.", DefaultValueFactory = _ => 200_000 };
        var command = new Command("store", "SQLite store: group-commit vs per-row-transaction inserts/s, and read latency under writes.") { rows };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var scratch = new ScratchFolder(parseResult.GetValue(CommonOptions.Data));
            var result = await new StoreBenchmark().RunAsync(
                Path.Combine(scratch.Path, "store-bench"), new StoreBenchmarkOptions { GroupCommitRows = parseResult.GetValue(rows) }, cancellationToken);
            var report = new
            {
                result.GroupCommitRows,
                groupCommitRowsPerSecond = Math.Round(result.GroupCommitRowsPerSecond),
                result.GroupCommits,
                averageRowsPerCommit = Math.Round(result.AverageRowsPerCommit, 1),
                result.SingleTransactionRows,
                singleTransactionRowsPerSecond = Math.Round(result.SingleTransactionRowsPerSecond),
                groupCommitSpeedup = Math.Round(result.GroupCommitRowsPerSecond / result.SingleTransactionRowsPerSecond, 2),
                pointReadsDuringWrites = result.PointReads,
                readP50Microseconds = Math.Round(result.ReadP50Microseconds, 1),
                readP95Microseconds = Math.Round(result.ReadP95Microseconds, 1),
                readP99Microseconds = Math.Round(result.ReadP99Microseconds, 1),
                processorCount = Environment.ProcessorCount,
            };
            JsonOutput.WriteReport(report, parseResult.GetValue(CommonOptions.Json));

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateIngest()
    {
        var directory = new Argument<string>("dir") { Description = "Folder (or file) of documents to ingest." };
        var command = new Command(
            "ingest",
            "End-to-end ingestion: time to ready (against no embedding model and bare pdftotext, in the same run), time to fully embedded, chunks embedded/s against the library's own Encode.") { directory };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var input = parseResult.GetValue(directory)!;
            var files = Directory.Exists(input)
                ? Directory.GetFiles(input).Order(StringComparer.Ordinal).ToArray()
                : File.Exists(input) ? [input] : throw new CliException($"{input}: no such file or directory.", ExitCodes.Usage);
            var pdfs = files.Where(f => f.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase)).ToArray();

            // Baseline first, so the page cache is warm for both.
            var bare = Stopwatch.StartNew();
            var barePages = 0;
            foreach (var pdf in pdfs)
            {
                barePages += await BarePdfToTextPagesAsync(pdf, cancellationToken);
            }

            bare.Stop();

            // The same files twice in this run: with no embedding model (the baseline for time to ready), then with the
            // configured one, whose semantic stage runs in the background as the server's does.
            var keywordOnly = await RunIngestionAsync(files, new Dictionary<string, string?> { ["AgentRag:Embeddings:Provider"] = "none" }, embed: false, cancellationToken);
            var run = await RunIngestionAsync(files, null, embed: true, cancellationToken);
            var finals = run.Documents;
            var pages = finals.Sum(d => d.PageCount);
            var pdfPages = finals.Where(d => d.ContentType == "application/pdf").Sum(d => d.PageCount);
            var chunks = finals.Sum(d => d.ChunkCount);
            var embeddingSeconds = run.EmbeddedSeconds - run.ReadySeconds;
            var result = new
            {
                files = files.Length,
                ready = finals.Count(d => d.Status == DocumentStatus.Ready),
                rejected = run.Rejected,
                failed = finals.Where(d => d.Status == DocumentStatus.Failed).Select(d => d.Error).ToList(),
                pages,
                chunks,
                seconds = Math.Round(run.ReadySeconds, 3),
                pagesPerSecond = Math.Round(pages / run.ReadySeconds, 1),
                chunksPerSecond = Math.Round(chunks / run.ReadySeconds, 1),
                embeddingModel = run.EmbeddingModel,
                readySeconds = Math.Round(run.ReadySeconds, 3),
                readySecondsWithoutEmbeddings = Math.Round(keywordOnly.ReadySeconds, 3),
                readyRatioToWithoutEmbeddings = Math.Round(run.ReadySeconds / keywordOnly.ReadySeconds, 3),
                embeddedSeconds = run.EmbeddingModel is null ? (double?)null : Math.Round(run.EmbeddedSeconds, 3),
                embeddedChunks = finals.Sum(d => d.EmbeddedChunks),
                chunksEmbeddedPerSecond = run.EmbeddingModel is null || embeddingSeconds <= 0 ? (double?)null : Math.Round(chunks / embeddingSeconds, 2),
                libraryEncodeSeconds = run.LibraryEncodeSeconds is { } library ? Math.Round(library, 3) : (double?)null,
                libraryChunksPerSecond = run.LibraryEncodeSeconds is { } encode && encode > 0 ? Math.Round(chunks / encode, 2) : (double?)null,
                peakWorkingSetMb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), 1),
                barePdftotextPages = barePages,
                barePdftotextSeconds = Math.Round(bare.Elapsed.TotalSeconds, 3),
                barePdftotextPagesPerSecond = Math.Round(barePages / bare.Elapsed.TotalSeconds, 1),
                ratioToBarePdftotext = pdfPages == 0 || barePages == 0 ? 0 : Math.Round(bare.Elapsed.TotalSeconds / barePages * pdfPages / run.ReadySeconds, 3),
                processorCount = Environment.ProcessorCount,
                loadAverage = MachineLoad.OneMinuteAverage(),
            };
            if (parseResult.GetValue(CommonOptions.Json))
            {
                JsonOutput.WriteLine(result);
            }
            else
            {
                JsonOutput.WriteIndented(result);
            }

            return result.ready == files.Length ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>One ingestion of the files into a fresh data folder, and what it measured.</summary>
    private sealed record IngestionRun(
        List<Document> Documents, List<string> Rejected, double ReadySeconds, double EmbeddedSeconds, string? EmbeddingModel, double? LibraryEncodeSeconds);

    /// <summary>
    /// Ingests <paramref name="files"/> two at a time into a fresh data folder, timing until every document is ready; with
    /// <paramref name="embed"/>, the background semantic stage (<see cref="EmbeddingWorker"/>) runs beside it as in the
    /// server and the time until every document is fully embedded is taken too, then, for a local model, the library's
    /// own <c>Encode</c> over the same chunk texts in batches of 32 in document order, as the baseline.
    /// </summary>
    private static async Task<IngestionRun> RunIngestionAsync(
        string[] files, IReadOnlyDictionary<string, string?>? settings, bool embed, CancellationToken cancellationToken)
    {
        using var scratch = new ScratchFolder(null);
        var argsForHost = new[] { "--data", scratch.Path, "--log-level", "Warning" };
        await using var host = CliHost.Start(AgentRagCommandLine.Build([]).Parse(argsForHost), settings: settings);
        var ingestion = host.Get<DocumentIngestionService>();
        var embedding = host.Get<DocumentEmbeddingService>();
        var model = embed ? embedding.Model : null;
        if (model is not null && host.Services.GetService(typeof(LocalSentenceEncoder)) is LocalSentenceEncoder { } loading && loading.Model.ModelId == model)
        {
            await loading.WarmUpAsync(cancellationToken); // loading the model is start-up, not ingestion
        }

        using var subscription = host.Get<IngestionEventHub>().Subscribe();
        var worker = host.Get<EmbeddingWorker>();
        if (model is not null)
        {
            await worker.StartAsync(cancellationToken);
        }

        var timer = Stopwatch.StartNew();
        var documents = new List<Document>();
        var rejected = new List<string>();
        foreach (var file in files)
        {
            try
            {
                var submitted = await ingestion.SubmitFileAsync(host.TenantId, file, cancellationToken: cancellationToken);
                documents.Add(submitted.Document);
            }
            catch (IngestionRejectedException ex)
            {
                rejected.Add(ex.Message);
            }
        }

        var finals = new List<Document>();
        await Parallel.ForEachAsync(documents, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken },
            async (d, token) =>
            {
                var final = await ingestion.ProcessAsync(d.TenantId, d.Id, token);
                lock (finals)
                {
                    finals.Add(final!);
                }
            });
        var readySeconds = timer.Elapsed.TotalSeconds;

        double? libraryEncode = null;
        if (model is not null)
        {
            var waiting = finals.Where(d => d.Status == DocumentStatus.Ready).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            if (waiting.Count > 0)
            {
                await foreach (var e in subscription.ReadAllAsync(cancellationToken))
                {
                    if (e.IsEmbeddingComplete && waiting.Remove(e.DocumentId) && waiting.Count == 0)
                    {
                        break;
                    }
                }
            }

            timer.Stop();
            await worker.StopAsync(CancellationToken.None);
            var store = host.Get<Core.Storage.IDocumentStore>();
            for (var i = 0; i < finals.Count; i++)
            {
                finals[i] = await store.GetAsync(finals[i].TenantId, finals[i].Id, cancellationToken) ?? finals[i];
            }

            if (host.Services.GetService(typeof(LocalSentenceEncoder)) is LocalSentenceEncoder { } encoder && encoder.Model.ModelId == model)
            {
                var texts = new List<string>();
                foreach (var document in finals)
                {
                    texts.AddRange((await store.GetChunksAsync(document.TenantId, document.Id, cancellationToken)).Select(c => c.Text));
                }

                var library = Stopwatch.StartNew();
                foreach (var batch in texts.Chunk(32))
                {
                    await encoder.EncodeAsync(batch, interactive: false, cancellationToken);
                }

                libraryEncode = library.Elapsed.TotalSeconds;
            }
        }
        else
        {
            timer.Stop();
        }

        return new IngestionRun(finals, rejected, readySeconds, timer.Elapsed.TotalSeconds, model, libraryEncode);
    }

    private static async Task<int> BarePdfToTextPagesAsync(string pdf, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("pdftotext") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-enc", "UTF-8", pdf, "-" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new CliException("pdftotext could not be started.");
        var text = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return text.Count(c => c == '\f');
    }

    /// <summary>A throwaway data folder (or the given one), removed afterwards when it was made here.</summary>
    internal sealed class ScratchFolder : IDisposable
    {
        private readonly bool _owned;

        public ScratchFolder(string? given)
        {
            _owned = string.IsNullOrEmpty(given);
            Path = _owned ? System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"agentrag-bench-{Guid.NewGuid():N}") : DataDirectory.Resolve(given);
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Dispose()
        {
            if (_owned)
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
