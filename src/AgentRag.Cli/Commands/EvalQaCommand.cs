using System.CommandLine;
using AgentRag.Agents;
using AgentRag.Core.Actors;
using AgentRag.Agents.Evaluation;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag eval qa --questions FILE --docs DIR [--mode auto|extractive|model] [--json]</c>: ingests every file under
/// DIR into a throwaway data folder (deleted afterwards; <c>--data</c> is not touched), asks every question of the
/// labelled set (extractive unless a chat model is configured) and reports answer and citation hit rates, declining on
/// both sides, citation support, confidence calibration and latency (see <see cref="QaEvaluation"/>). Sentences are always
/// chosen with their meaning: the sentence-relevance budget that protects serving on a saturated machine is lifted, so
/// the figures do not depend on the load. A file that cannot
/// be ingested is reported on standard error and skipped. Exit code 0, 2 for a bad question set or folder.
/// </summary>
internal static class EvalQaCommand
{
    /// <summary>The synthesis and sentence-relevance time limits while measuring: long enough never to cut an answer short.</summary>
    private const int MeasurementTimeoutMs = 600_000;

    public static Command Create()
    {
        var questions = new Option<string>("--questions") { Description = "A JSON-lines question set (format: shared/questions/README.md).", Required = true };
        var docs = new Option<string>("--docs") { Description = "The folder of documents the questions are about.", Required = true };
        var mode = EnumOption.Create<QueryMode>("--mode", "auto, extractive or model (default: model when a chat model is configured, else extractive).");
        var command = new Command("qa", "Measure answer quality on labelled questions over a folder of documents.") { questions, docs, mode };
        command.SetHostedAction(
            (host, parseResult, cancellationToken) => RunAsync(host, parseResult.GetValue(questions)!, parseResult.GetValue(docs)!, parseResult.GetValue(mode), cancellationToken),
            HostFolder.Scratch,
            services => services.PostConfigure<AgentsOptions>(options =>
            {
                // The measure is of answers, not of this machine's load: sentence choice by meaning always finishes
                // (in serving, a saturated machine answers by words alone after the budget).
                options.SentenceRelevanceTimeoutMs = MeasurementTimeoutMs;
                options.SynthesisTimeoutMs = MeasurementTimeoutMs;
            }));
        return command;
    }

    private static async Task<int> RunAsync(CliHost host, string questionsPath, string docsPath, QueryMode? mode, CancellationToken cancellationToken)
    {
        IReadOnlyList<QaQuestion> set;
        try
        {
            set = QaEvaluation.Load(questionsPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FormatException)
        {
            throw new CliException(ex.Message, ExitCodes.Usage);
        }

        if (!Directory.Exists(docsPath))
        {
            throw new CliException($"--docs '{docsPath}' is not a folder.", ExitCodes.Usage);
        }

        var files = Directory.EnumerateFiles(docsPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new CliException($"--docs '{docsPath}' holds no files.", ExitCodes.Usage);
        }

        var ingestion = host.Get<DocumentIngestionService>();
        var ready = 0;
        foreach (var file in files)
        {
            try
            {
                var submitted = await ingestion.SubmitFileAsync(host.TenantId, file, cancellationToken: cancellationToken);
                var document = submitted.Document.Status == DocumentStatus.Ready
                    ? submitted.Document
                    : await ingestion.ProcessAsync(host.TenantId, submitted.Document.Id, cancellationToken);
                if (document?.Status == DocumentStatus.Ready)
                {
                    ready++;
                }
                else
                {
                    await Console.Error.WriteLineAsync($"agentrag: {file} was not ingested: {document?.Error ?? "it disappeared"}");
                }
            }
            catch (IngestionRejectedException ex)
            {
                await Console.Error.WriteLineAsync($"agentrag: {file} was not ingested: {ex.Message}");
            }
        }

        if (ready == 0)
        {
            throw new CliException($"No document under '{docsPath}' could be ingested.");
        }

        await host.Get<IActorRuntime>().StartAsync(cancellationToken);
        var effectiveMode = mode ?? (host.Get<ModelCatalog>().IsChatAvailable ? QueryMode.Auto : QueryMode.Extractive);
        var report = await QaEvaluation.EvaluateAsync(host.Get<WorkflowService>(), host.TenantId, set, effectiveMode, cancellationToken: cancellationToken);
        if (host.Json)
        {
            JsonOutput.WriteLine(report);
        }
        else
        {
            foreach (var line in QaEvaluation.Describe(report))
            {
                Console.Out.WriteLine(line);
            }
        }

        return ExitCodes.Success;
    }
}
