using System.CommandLine;
using System.Diagnostics;
using AgentRag.Core;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
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
        command.Add(BenchQueryCommand.Create());
        command.Add(BenchRetrievalCommand.Create());
        command.Add(BenchApprovalsCommand.Create());
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
            if (parseResult.GetValue(CommonOptions.Json))
            {
                JsonOutput.WriteLine(report);
            }
            else
            {
                JsonOutput.WriteIndented(report);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateIngest()
    {
        var directory = new Argument<string>("dir") { Description = "Folder (or file) of documents to ingest." };
        var command = new Command("ingest", "End-to-end ingestion pages/s and chunks/s, against bare pdftotext in the same run.") { directory };
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

            using var scratch = new ScratchFolder(null);
            var argsForHost = new[] { "--data", scratch.Path, "--log-level", "Warning" };
            await using var host = CliHost.Start(AgentRagCommandLine.Build([]).Parse(argsForHost));
            var ingestion = host.Get<DocumentIngestionService>();
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
            timer.Stop();

            var pages = finals.Sum(d => d.PageCount);
            var pdfPages = finals.Where(d => d.ContentType == "application/pdf").Sum(d => d.PageCount);
            var result = new
            {
                files = files.Length,
                ready = finals.Count(d => d.Status == DocumentStatus.Ready),
                rejected,
                failed = finals.Where(d => d.Status == DocumentStatus.Failed).Select(d => d.Error).ToList(),
                pages,
                chunks = finals.Sum(d => d.ChunkCount),
                seconds = Math.Round(timer.Elapsed.TotalSeconds, 3),
                pagesPerSecond = Math.Round(pages / timer.Elapsed.TotalSeconds, 1),
                chunksPerSecond = Math.Round(finals.Sum(d => d.ChunkCount) / timer.Elapsed.TotalSeconds, 1),
                peakWorkingSetMb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), 1),
                barePdftotextPages = barePages,
                barePdftotextSeconds = Math.Round(bare.Elapsed.TotalSeconds, 3),
                barePdftotextPagesPerSecond = Math.Round(barePages / bare.Elapsed.TotalSeconds, 1),
                ratioToBarePdftotext = pdfPages == 0 || barePages == 0 ? 0 : Math.Round(bare.Elapsed.TotalSeconds / barePages * pdfPages / timer.Elapsed.TotalSeconds, 3),
                processorCount = Environment.ProcessorCount,
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
    private sealed class ScratchFolder : IDisposable
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
