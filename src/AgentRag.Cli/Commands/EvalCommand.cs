using AgentRag.Core.Search;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AgentRag.Core.Serialization;
using AgentRag.Models;
using AgentRag.Models.Configuration;
using AgentRag.Retrieval.Dense;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Fusion;
using AgentRag.Retrieval.Search;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Vectors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag eval --dataset DIR [--data DIR]</c>: retrieval quality on a BEIR-format dataset, indexed into a throwaway
/// folder, or into the <c>--data</c> folder (kept for inspection) when it holds no evaluation index yet: indexing a
/// second dataset on top of another would merge them and report wrong figures, so that is refused (exit code 2).
/// Without <c>--data</c> nothing is written to the working directory. Dense and hybrid modes keep the dataset's
/// embeddings in the dataset cache (<see cref="DatasetEmbeddingCache"/>), so a second run embeds nothing.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "BEIR-format folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv." };
        var split = new Option<string>("--split") { Description = "Qrels split.", DefaultValueFactory = _ => "test" };
        var mode = new Option<string>("--mode") { Description = "bm25, dense or hybrid.", DefaultValueFactory = _ => "bm25" };
        mode.AcceptOnlyFromAmong("bm25", "dense", "hybrid");
        var fusion = new Option<string>("--fusion")
        {
            Description = "How hybrid fuses BM25 and dense: rrf or minmax (default: AgentRag:Search:Fusion, the product's).",
        };
        fusion.AcceptOnlyFromAmong([.. RankFusions.Names]);
        var expand = new Option<string?>("--expand") { Description = "Query expansion: rm3." };
        expand.AcceptOnlyFromAmong("rm3");
        var output = new Option<string?>("--out") { Description = "Write per-query results (JSON lines) to this file." };
        var command = new Command("eval", "Evaluate retrieval on a BEIR dataset (nDCG@10, MRR@10, Recall@100, P@5, MAP@100).")
        {
            dataset, split, mode, fusion, expand, output,
        };
        command.Add(EvalPlannerCommand.Create());
        command.Add(EvalQaCommand.Create());
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var directory = parseResult.GetValue(dataset)
                ?? throw new CliException("Give the dataset folder with --dataset DIR (or use a subcommand, e.g. 'eval planner').", ExitCodes.Usage);
            // Only dense and hybrid resolve the embedding pipeline, and with it the dataset cache: bm25 creates no cache folder.
            var evaluator = new BeirEvaluator(host.Get<IOptions<Bm25Options>>().Value, parseResult.GetValue(mode) == "bm25" ? null : new BeirDenseModels(
                host.Get<IEmbeddingGenerator<string, Embedding<float>>>(), host.Get<ModelCatalog>(),
                host.Get<IOptions<DenseRetrievalOptions>>().Value, host.Get<IOptions<VectorIndexOptions>>().Value, host.Get<IEmbeddingCache>()));
            BeirEvaluationReport report;
            try
            {
                report = await evaluator.EvaluateAsync(new BeirEvaluationRequest
                {
                    DatasetDirectory = directory,
                    Split = parseResult.GetValue(split)!,
                    Mode = parseResult.GetValue(mode)!,
                    Fusion = parseResult.GetValue(fusion) ?? host.Get<IOptions<SearchOptions>>().Value.Fusion,
                    Rm3 = parseResult.GetValue(expand) == "rm3" ? new Rm3Options() : null,
                    DataDirectory = parseResult.GetResult(CommonOptions.Data) is null ? null : host.DataFolder.Root,
                    Progress = new StandardErrorProgress("eval"),
                }, cancellationToken);
            }
            catch (BeirIndexNotEmptyException ex)
            {
                throw new CliException(ex.Message, ExitCodes.Usage);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException or ModelException)
            {
                throw new CliException(ex.Message, ex is NotSupportedException or ModelUnavailableException ? ExitCodes.Configuration : ExitCodes.Failure);
            }

            if (parseResult.GetValue(output) is { } path)
            {
                await File.WriteAllLinesAsync(path, report.PerQuery.Select(q => JsonSerializer.Serialize(q, AgentRagJson.Options)), cancellationToken);
            }

            if (host.Json)
            {
                JsonOutput.WriteLine(report);
            }
            else
            {
                string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
                Console.WriteLine($"{report.Dataset} ({report.Mode}{(report.Fusion is null ? "" : ", " + report.Fusion)}{(report.Expand is null ? "" : " + " + report.Expand)}): {report.Queries} queries over {report.Documents} documents");
                Console.WriteLine($"  nDCG@10 {F(report.Ndcg10)}  MRR@10 {F(report.Mrr10)}  Recall@100 {F(report.Recall100)}  P@5 {F(report.P5)}  MAP@100 {F(report.Map100)}");
                if (report.ComponentNdcg10 is { } components)
                {
                    Console.WriteLine($"  on their own: {string.Join("  ", components.Select(c => $"{c.Key} nDCG@10 {F(c.Value)}"))}");
                }

                if (report.EmbeddingsCached is { } cached)
                {
                    Console.WriteLine($"  embeddings: {cached} of {report.Documents} from the dataset cache");
                }

                Console.WriteLine($"  indexed in {report.IndexSeconds:0.00} s; query p50 {report.QueryMsP50:0.00} ms, p95 {report.QueryMsP95:0.00} ms");
            }

            return ExitCodes.Success;
        }, HostFolder.ScratchUnlessDataGiven, DatasetEmbeddingCache.Add);
        return command;
    }
}
