using AgentRag.Agents.Plans;
using AgentRag.Agents.Workflows;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Reasoning;

/// <summary>
/// The <c>reasoning</c> agent for queries that need no documents. Arithmetic is computed exactly
/// (<see cref="ArithmeticEvaluator"/>), with or without a model. Conversation needs a chat model: with one, the
/// model replies; without one, the answer says so. (Tool-using reasoning arrives with the next issue.) Thread-safe.
/// </summary>
public sealed class ReasoningAgent(IChatClient? chatClient = null) : IAgent
{
    public const string NeedsModelAnswer =
        "I answer questions about your documents. Conversation needs a chat model, and none is configured: ask a question the documents cover.";

    public AgentDescriptor Descriptor { get; } = new(
        AgentNames.Reasoning,
        "Answers small talk and calculations that need no documents (arithmetic is computed exactly).",
        new InputSchema(
            new InputProperty("query", InputType.String, "The user's message.", Required: true, MaxLength: 4000),
            new InputProperty("kind", InputType.String, "\"arithmetic\" or \"conversational\".", MaxLength: 20),
            new InputProperty("expression", InputType.String, "For arithmetic, the expression to compute.", MaxLength: 1000)),
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
            context.Events.Token(NeedsModelAnswer);
            return StepOutput.Create(new { answer = NeedsModelAnswer }, "No chat model for conversation.",
                new AnswerDraft(NeedsModelAnswer, AnswerMode.Reasoning), ["Conversation needs a chat model; none is configured."]);
        }

        var text = new System.Text.StringBuilder();
        var calls = new StepModelCalls(context, AgentNames.Reasoning);
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, "You are the assistant of a document question-answering service. Reply briefly and politely. Do not state facts about the user's documents; suggest asking a question about them instead."),
            new(ChatRole.User, query),
        };
        await foreach (var update in chatClient.GetStreamingResponseAsync(messages, calls.Options(), cancellationToken))
        {
            if (!calls.Observe(update))
            {
                text.Clear();
                continue;
            }

            if (!string.IsNullOrEmpty(update.Text))
            {
                text.Append(update.Text);
                context.Events.Token(update.Text);
            }
        }

        var reply = text.ToString().Trim();
        return StepOutput.Create(new { answer = reply }, "Model reply.", new AnswerDraft(reply, AnswerMode.Model), calls.Warnings);
    }
}
