using System.CommandLine;
using AgentRag.Benchmarks.Peers;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag bench peers</c>: our BM25 engine beside Lucene.NET and the JavaScript engines (MiniSearch,
/// wink-bm25-text-search) on the same data in one run (see docs/benchmarks.md and <see cref="PeerBenchmark"/>).
/// </summary>
internal static class BenchPeersCommand
{
    internal static Command Create()
    {
        var scifact = new Option<string?>("--scifact") { Description = "BEIR SciFact folder (default: ../shared/datasets/scifact); 'none' leaves SciFact out." };
        var chunks = new Option<int[]>("--chunks")
        {
            Description = "Synthetic corpus sizes in chunks (default: 200000 1000000; 0 alone leaves the synthetic corpus out).",
            DefaultValueFactory = _ => [200_000, 1_000_000],
            AllowMultipleArgumentsPerToken = true,
        };
        var jsChunks = new Option<int>("--js-chunks")
        {
            Description = "The synthetic size the JavaScript engines also index; one of --chunks, or 0 for none (ignored when --chunks is 0).",
            DefaultValueFactory = _ => 200_000,
        };
        var queries = new Option<int>("--queries") { Description = "Timed synthetic queries per shape and engine (after 50 warm-up queries).", DefaultValueFactory = _ => 500 };
        var noJs = new Option<bool>("--no-js") { Description = "Leave the JavaScript engines out." };
        var jsTimeout = new Option<int>("--js-timeout") { Description = "Seconds one JavaScript engine may take on one data set.", DefaultValueFactory = _ => 600 };
        var jsMemory = new Option<int>("--js-max-old-space") { Description = "Node's --max-old-space-size (MB) for each JavaScript engine.", DefaultValueFactory = _ => 6144 };
        var jsInstall = new Option<string?>("--js-install")
        {
            Description = "Folder the JavaScript engines are installed into on first use (default: agentrag-bench-peers-js in the temp folder).",
        };
        var command = new Command("peers", "Ours vs Lucene.NET vs JavaScript engines on SciFact and the synthetic corpus, in one run.")
        {
            scifact, chunks, jsChunks, queries, noJs, jsTimeout, jsMemory, jsInstall,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                var sizes = parseResult.GetValue(chunks)!;
                if (sizes.Any(s => s < 0) || (sizes.Contains(0) && sizes.Length > 1))
                {
                    throw new CliException($"--chunks takes positive sizes, or 0 alone; it was {string.Join(' ', sizes)}.", ExitCodes.Usage);
                }

                sizes = [.. sizes.Where(s => s > 0)];
                var js = !parseResult.GetValue(noJs);
                var jsSize = parseResult.GetValue(jsChunks);
                if (js && jsSize != 0 && sizes.Length > 0 && !sizes.Contains(jsSize))
                {
                    throw new CliException($"--js-chunks {jsSize} is not one of --chunks ({string.Join(' ', sizes)}); give one of them, or 0.", ExitCodes.Usage);
                }

                var directory = parseResult.GetValue(scifact) ?? Path.Combine("..", "shared", "datasets", "scifact");
                if (directory != "none" && !Directory.Exists(directory))
                {
                    throw new CliException($"SciFact folder '{Path.GetFullPath(directory)}' does not exist; give it with --scifact DIR, or --scifact none.", ExitCodes.Usage);
                }

                var scratch = Path.Combine(Path.GetTempPath(), $"agentrag-bench-peers-{Guid.NewGuid():N}");
                var options = new PeerBenchmarkOptions
                {
                    SciFactDirectory = directory == "none" ? null : directory,
                    SyntheticChunks = sizes,
                    JavaScriptSyntheticChunks = jsSize,
                    QueriesPerShape = BenchSearchCommand.Positive(parseResult.GetValue(queries), "--queries"),
                    JavaScript = js,
                    JavaScriptTimeout = TimeSpan.FromSeconds(BenchSearchCommand.Positive(parseResult.GetValue(jsTimeout), "--js-timeout")),
                    JavaScriptMaxOldSpaceMegabytes = BenchSearchCommand.Positive(parseResult.GetValue(jsMemory), "--js-max-old-space"),
                    ScratchDirectory = scratch,
                    JavaScriptInstallDirectory = Path.GetFullPath(parseResult.GetValue(jsInstall) ?? Path.Combine(Path.GetTempPath(), "agentrag-bench-peers-js")),
                };
                PeerBenchmarkReport report;
                try
                {
                    report = await new PeerBenchmark().RunAsync(options, new StandardErrorProgress("bench peers"), cancellationToken);
                }
                finally
                {
                    if (Directory.Exists(scratch))
                    {
                        Directory.Delete(scratch, recursive: true);
                    }
                }

                JsonOutput.WriteReport(report, parseResult.GetValue(CommonOptions.Json));

                return ExitCodes.Success;
            }
            catch (CliException ex)
            {
                await Console.Error.WriteLineAsync($"agentrag: {ex.Message}");
                return ex.ExitCode;
            }
        });
        return command;
    }
}
