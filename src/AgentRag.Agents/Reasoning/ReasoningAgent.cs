using System.Text;
using System.Text.Json;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Tools;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Serialization;
using AgentRag.Core.Text;
using AgentRag.Models.Budgets;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Reasoning;

/// <summary>
/// The <c>reasoning</c> agent, for queries that need no documents or that need tools. Arithmetic is computed exactly
/// (<see cref="ArithmeticEvaluator"/>), with or without a model. Everything else needs a chat model; without one, the
/// answer says so plainly. With one, the agent runs a tool loop over function calling:
/// <list type="bullet">
/// <item>it offers the <see cref="IStepToolSource"/>'s tools without side effects, plus the side-effecting tools the
/// step lists in its <c>tools</c> input (the approval policy gates such steps);</item>
/// <item>each call is a <c>step.progress</c> event with the tool, its arguments and a summary of the result;</item>
/// <item>a tool that throws, or runs past <see cref="AgentsOptions.ToolTimeoutMs"/>, is reported to the model as a tool
/// error and to the answer as a warning; the workflow goes on;</item>
/// <item>after <see cref="AgentsOptions.MaxToolIterations"/> model turns it stops with a warning;</item>
/// <item>a budget refusal stops it with a partial answer and a <c>budget</c> warning.</item>
/// </list>
/// The answer is the last model turn's text; text of a turn that ends in tool calls is voided (<c>token.reset</c>, cause <c>tool_calls</c>).
/// Thread-safe.
/// </summary>
public sealed class ReasoningAgent(AgentsOptions options, TimeProvider timeProvider, IChatClient? chatClient = null, IStepToolSource? tools = null) : IAgent
{
    public const string NeedsModelAnswer =
        "I answer questions about your documents. Conversation needs a chat model, and none is configured: ask a question the documents cover.";

    public const string ToolsNeedModelAnswer =
        "This question needs tools, and calling tools needs a chat model, which is not configured (set AGENTRAG_CHAT_MODEL).";

    public const string EmptyReplyAnswer = "The model returned no answer. Try rephrasing the question.";

    /// <summary>The <c>kind</c> of a step that answers with tools.</summary>
    public const string ToolsKind = "tools";

    /// <summary>The <c>step.progress</c> warning kind when a tool call fails or times out.</summary>
    public const string ToolErrorWarning = "tool.error";

    /// <summary>The <c>step.progress</c> warning kind when the loop reaches <see cref="AgentsOptions.MaxToolIterations"/>.</summary>
    public const string ToolLimitWarning = "tool.limit";

    private const int MaxSummaryLength = 300;

    /// <summary>Longest tool result passed back to the model, in characters.</summary>
    private const int MaxResultLength = 8_000;

    private const string SystemPrompt =
        "You are the assistant of a document question-answering service. Use the tools when they help: search and read the "
        + "user's documents with them, and compute with the calculator instead of in your head. Base statements about the "
        + "documents on tool results only. Reply briefly. When a tool fails, say what could not be done.";

    public AgentDescriptor Descriptor { get; } = new(
        AgentNames.Reasoning,
        "Answers small talk and calculations that need no documents (arithmetic is computed exactly), and questions that need tools: with a chat model it calls the tool catalog's tools.",
        new InputSchema(
            new InputProperty("query", InputType.String, "The user's message.", Required: true, MaxLength: 4000),
            new InputProperty("kind", InputType.String, "\"arithmetic\", \"conversational\" or \"tools\".", MaxLength: 20),
            new InputProperty("expression", InputType.String, "For arithmetic, the expression to compute.", MaxLength: 1000),
            new InputProperty("tools", InputType.StringArray, "Tools the step needs, by catalog name; a tool with side effects is offered only when listed here.")),
        new AgentCostProfile(ModelCalls: 1, InputTokens: 200, OutputTokens: 150, ModelLatencyMs: 1500, LocalLatencyMs: 1));

    public async Task<StepOutput> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var query = context.GetString("query") ?? context.Query;
        if (context.GetString("expression") is { } expression)
        {
            string answer;
            try
            {
                answer = $"{expression} = {ArithmeticEvaluator.Format(ArithmeticEvaluator.Evaluate(expression))}";
            }
            catch (Exception ex) when (ex is FormatException or DivideByZeroException or OverflowException)
            {
                answer = $"{expression} cannot be computed: {ex.Message}";
            }

            context.Events.Token(answer);
            return StepOutput.Create(new { expression, answer }, "Computed.", new AnswerDraft(answer, AnswerMode.Reasoning));
        }

        if (chatClient is null || context.Mode == QueryMode.Extractive)
        {
            var needsTools = context.GetString("kind") == ToolsKind;
            var reply = needsTools ? ToolsNeedModelAnswer : NeedsModelAnswer;
            context.Events.Token(reply);
            return StepOutput.Create(new { answer = reply }, "No chat model.", new AnswerDraft(reply, AnswerMode.Reasoning),
                [needsTools ? "Calling tools needs a chat model; none is configured." : "Conversation needs a chat model; none is configured."]);
        }

        return await ToolLoopAsync(context, chatClient, query, cancellationToken);
    }

    /// <summary>The tools offered to the model for <paramref name="context"/>'s step: those without side effects, and the side-effecting ones the step lists.</summary>
    private List<StepTool> ToolsFor(StepContext context)
    {
        var listed = context.GetStringList("tools").ToHashSet(StringComparer.Ordinal);
        return [.. (tools?.List(context.TenantId) ?? []).Where(t => !t.SideEffects || listed.Contains(t.Name))];
    }

    private async Task<StepOutput> ToolLoopAsync(StepContext context, IChatClient chat, string query, CancellationToken cancellationToken)
    {
        var offered = ToolsFor(context).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var calls = new StepModelCalls(context, AgentNames.Reasoning);
        var chatOptions = calls.Options(offered.Count > 0
            ? new ChatOptions { Tools = [.. offered.Values.Select(t => t.Function)], ToolMode = ChatToolMode.Auto }
            : null);
        List<ChatMessage> messages = [new(ChatRole.System, SystemPrompt), new(ChatRole.User, query)];
        var warnings = new List<string>();
        var toolCalls = new List<ToolCallRecord>();
        var text = new StringBuilder();
        for (var turn = 1; ; turn++)
        {
            text.Clear();
            var updates = new List<ChatResponseUpdate>();
            try
            {
                await foreach (var update in chat.GetStreamingResponseAsync(messages, chatOptions, cancellationToken))
                {
                    if (!calls.Observe(update))
                    {
                        updates.Clear();
                        text.Clear();
                        continue;
                    }

                    updates.Add(update);
                    if (!string.IsNullOrEmpty(update.Text))
                    {
                        text.Append(update.Text);
                        context.Events.Token(update.Text);
                    }
                }
            }
            catch (BudgetExceededException ex)
            {
                var reason = $"{SynthesisAgent.BudgetWarningPrefix}{ex.Message}";
                context.Events.Warning("budget", reason);
                var partial = text.Length > 0 ? text.ToString().Trim() : $"I stopped before I could answer. {reason}";
                if (text.Length == 0)
                {
                    context.Events.Token(partial);
                }

                return Finish(partial, toolCalls, [.. calls.Warnings, .. warnings, $"{reason} The answer is partial."]);
            }

            var response = updates.ToChatResponse();
            var requested = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (requested.Count == 0)
            {
                if (string.IsNullOrWhiteSpace(text.ToString()))
                {
                    // A reply with neither text nor tool calls: say so rather than show an empty answer.
                    context.Events.Token(EmptyReplyAnswer);
                    return Finish(EmptyReplyAnswer, toolCalls, [.. calls.Warnings, .. warnings, "The chat model returned an empty reply."]);
                }

                return Finish(text.ToString().Trim(), toolCalls, [.. calls.Warnings, .. warnings]);
            }

            if (text.Length > 0)
            {
                context.Events.ResetTokens("The model called tools; its answer follows their results.", TokenResetCause.ToolCalls);
            }

            if (turn >= options.MaxToolIterations)
            {
                var limit = $"The reasoning agent stopped after {options.MaxToolIterations} model turns (AgentRag:Agents:MaxToolIterations) while the model still asked for tools.";
                context.Events.Warning(ToolLimitWarning, limit);
                var answer = $"I could not finish: {limit}";
                context.Events.Token(answer);
                return Finish(answer, toolCalls, [.. calls.Warnings, .. warnings, limit]);
            }

            messages.AddRange(response.Messages);
            var results = new List<AIContent>(requested.Count);
            foreach (var call in requested)
            {
                var (result, record) = await InvokeAsync(context, offered, call, cancellationToken);
                toolCalls.Add(record);
                if (record.Error is { } error)
                {
                    warnings.Add(error);
                }

                results.Add(result);
            }

            messages.Add(new ChatMessage(ChatRole.Tool, results));
        }
    }

    private static StepOutput Finish(string answer, IReadOnlyList<ToolCallRecord> toolCalls, IEnumerable<string> warnings) =>
        StepOutput.Create(
            new ReasoningResult(answer, toolCalls),
            toolCalls.Count == 1 ? "Model reply after 1 tool call." : $"Model reply after {toolCalls.Count} tool calls.",
            new AnswerDraft(answer, AnswerMode.Model),
            [.. warnings.Distinct(StringComparer.Ordinal)]);

    /// <summary>Runs one requested call. Failures become the tool's result for the model; only the step's own cancellation throws.</summary>
    private async Task<(FunctionResultContent Result, ToolCallRecord Record)> InvokeAsync(
        StepContext context, Dictionary<string, StepTool> offered, FunctionCallContent call, CancellationToken cancellationToken)
    {
        var arguments = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AgentRagJson.Options);
        string? result = null;
        string? error = null;
        if (call.Exception is { } malformed)
        {
            error = $"The arguments for '{call.Name}' were not valid JSON ({malformed.Message}).";
        }
        else if (!offered.TryGetValue(call.Name, out var tool))
        {
            error = offered.Count == 0
                ? $"There is no tool named '{call.Name}'; no tools are available."
                : $"There is no tool named '{call.Name}'. Available: {string.Join(", ", offered.Keys)}.";
        }
        else
        {
            var timeout = TimeSpan.FromMilliseconds(options.ToolTimeoutMs);
            using var timer = new CancellationTokenSource(timeout, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            context.Events.Progress($"Calling {call.Name} with {TextPreview.Shorten(arguments, MaxSummaryLength)}.");
            using var span = Workflows.WorkflowTelemetry.StartToolCall(call.Name, tool.Source);
            try
            {
                // WaitAsync also cuts off a tool that ignores its cancellation token.
                var value = await tool.Function.InvokeAsync(new AIFunctionArguments(call.Arguments), linked.Token).AsTask().WaitAsync(linked.Token);
                result = ToolResults.ToText(value);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"The tool '{call.Name}' did not answer within {timeout.TotalSeconds:0.###} s (AgentRag:Agents:ToolTimeoutMs) and was cut off.";
                span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                error = ToolResults.DescribeFailure(call.Name, ex);
                span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
            }
        }

        if (error is not null)
        {
            context.Events.Warning(ToolErrorWarning, error);
            context.Events.ToolCall(call.Name, arguments, $"error: {TextPreview.Shorten(error, MaxSummaryLength)}");
            return (new FunctionResultContent(call.CallId, $"Error: {error}"), new ToolCallRecord(call.Name, arguments, null, error));
        }

        var summary = TextPreview.Shorten(result!, MaxSummaryLength);
        context.Events.ToolCall(call.Name, arguments, summary);
        return (new FunctionResultContent(call.CallId, TextPreview.Shorten(result!, MaxResultLength)), new ToolCallRecord(call.Name, arguments, summary, null));
    }
}

/// <summary>What a reasoning step recorded: its answer and the tool calls that led to it.</summary>
/// <param name="Answer">The answer text.</param>
/// <param name="ToolCalls">Each tool call, in order.</param>
public sealed record ReasoningResult(string Answer, IReadOnlyList<ToolCallRecord> ToolCalls);

/// <summary>One tool call of a reasoning step.</summary>
/// <param name="Tool">The tool's catalog name.</param>
/// <param name="Arguments">The arguments the model gave, as JSON.</param>
/// <param name="ResultSummary">The start of the result; null when the call failed.</param>
/// <param name="Error">Why the call failed; null when it succeeded.</param>
public sealed record ToolCallRecord(string Tool, string Arguments, string? ResultSummary, string? Error);
