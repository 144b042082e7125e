using System.CommandLine;
using System.Text.Json;
using AgentRag.Core.Actors;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Sessions;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Events;
using AgentRag.Core.Text;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag ask "&lt;question&gt;" [--mode auto|extractive|model] [--session ID] [--json]</c>: answers from the data folder's
/// documents. On a terminal the answer streams as it is written, followed by the numbered sources with their quotes and
/// any warnings; <c>--json</c> prints the final <c>done</c> object only. Exit code 0 when answered, 1 when the workflow
/// failed, 2 for a bad question.
/// </summary>
internal static class AskCommand
{
    /// <summary>The <c>--json</c> output: the <c>done</c> event's fields plus the workflow's outcome.</summary>
    internal sealed record AskResult(
        string WorkflowId,
        WorkflowStatus Status,
        string? Answer,
        IReadOnlyList<Citation> Citations,
        IReadOnlyList<string> Warnings,
        Agents.AnswerMode? Mode,
        double? CitationSupportRate,
        string? Error);

    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The question to answer." };
        var mode = EnumOption.Create("--mode", "auto (the chat model when configured), extractive (no model) or model.", QueryMode.Auto);
        var session = new Option<string?>("--session")
        {
            Description = "Ask within this conversation (created when unknown): follow-ups are resolved against its last turns.",
        };
        var command = new Command("ask", "Answer a question from the ingested documents, with citations.") { question, mode, session };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            // The CLI runs no hosted services: start the actor host here (it also resumes interrupted workflows
            // when no server owns this data folder).
            await host.Get<IActorRuntime>().StartAsync(cancellationToken);
            var workflows = host.Get<WorkflowService>();
            var request = new QueryRequest(parseResult.GetValue(question) ?? "", Mode: parseResult.GetValue(mode));
            WorkflowState final;
            try
            {
                final = parseResult.GetValue(session) is { } sessionId
                    ? (await host.Get<ConversationService>().AskAsync(host.TenantId, sessionId, request, onEvent: host.Json ? null : WriteLive, cancellationToken: cancellationToken)).State
                    : await workflows.RunAsync(host.TenantId, request, host.Json ? null : WriteLive, cancellationToken: cancellationToken);
            }
            catch (QueryRejectedException ex)
            {
                throw new CliException($"{ex.Message}", ExitCodes.Usage);
            }

            var result = new AskResult(
                final.WorkflowId,
                final.Status,
                final.Answer?.Answer,
                final.Answer?.Citations ?? [],
                final.Answer?.Warnings ?? final.Warnings,
                final.Answer?.Mode,
                final.Answer?.CitationSupportRate,
                final.Error);
            if (host.Json)
            {
                JsonOutput.WriteLine(result);
            }
            else
            {
                WriteSummary(result);
            }

            return final.Status == WorkflowStatus.Completed ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Streams tokens to standard output as they arrive; after a <c>token.reset</c> the answer starts again on a new line, below the reason.</summary>
    private static void WriteLive(StoredEvent stored)
    {
        switch (stored.Type)
        {
            case WorkflowEvents.Token:
                Console.Out.Write(WorkflowEventJson.Deserialize<TokenEvent>(stored.Data).Text);
                break;
            case WorkflowEvents.TokenReset:
                // What was printed cannot be taken back: say it is void, and the answer starts again below.
                Console.Out.WriteLine();
                Console.Out.WriteLine($"({WorkflowEventJson.Deserialize<TokenResetEvent>(stored.Data).Reason})");
                break;
        }
    }

    private static void WriteSummary(AskResult result)
    {
        Console.Out.WriteLine();
        if (result.Status != WorkflowStatus.Completed)
        {
            Console.Error.WriteLine($"agentrag: the query {result.Status.ToString().ToLowerInvariant()}: {result.Error}");
            return;
        }

        if (result.Citations.Count > 0)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("Sources:");
            foreach (var citation in result.Citations)
            {
                Console.Out.WriteLine($"  [{citation.Number}] {citation.Display.Trim('[', ']')}");
                Console.Out.WriteLine($"      “{TextPreview.Shorten(citation.Quote, 300)}”");
            }
        }

        foreach (var warning in result.Warnings)
        {
            Console.Out.WriteLine($"Warning: {warning}");
        }
    }
}
