using System.Globalization;
using System.Text;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Text;
using AgentRag.Agents.Workflows;
using AgentRag.Models.Budgets;
using AgentRag.Models.Prompts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Synthesis;

/// <summary>
/// The <c>synthesis</c> agent: answers from the numbered passages of its retrieval dependencies and streams the answer
/// as <c>token</c> events.
/// <list type="bullet">
/// <item>With a chat model (and a request that allows one): renders the version of the <c>synthesis</c> prompt the
/// <see cref="PromptCatalog"/> assigns to the workflow and streams the model's answer on the workflow's routed profile,
/// attributed to the step (<see cref="StepModelCalls"/>); the model layer's warnings (fallback model, budgets) join the
/// answer's. If the model call fails (after the model layer's own retries and fallback model), the streamed tokens
/// are voided (<see cref="IStepEvents.ResetTokens"/>) and the answer is extractive, with a warning.</item>
/// <item>Without one, or as the step's fallback: the <see cref="ExtractiveSynthesizer"/>'s answer, streamed in short phrases
/// (<see cref="Phrases"/>; clients must not depend on token boundaries) and labelled extractive.</item>
/// </list>
/// Thread-safe.
/// </summary>
public sealed class SynthesisAgent(
    PromptCatalog prompts,
    AgentsOptions options,
    ILogger<SynthesisAgent> logger,
    IChatClient? chatClient = null,
    IEmbeddingGenerator<string, Embedding<float>>? embeddings = null,
    TimeProvider? timeProvider = null) : IAgent
{
    public const string PromptId = "synthesis";

    /// <summary>Most words in one token of an extractive answer.</summary>
    public const int MaxWordsPerToken = 4;

    /// <summary>Most sentences of the sources compared with the question by meaning.</summary>
    public const int MaxRelevanceSentences = 160;

    /// <summary>Most passages put in the context.</summary>
    public const int MaxSources = 10;

    /// <summary>How the warning of a workflow stopped by a model budget begins.</summary>
    public const string BudgetWarningPrefix = "Budget reached: ";

    /// <summary>
    /// The kind of the step warning sent when the chat model failed and the answer is made extractively instead, so a
    /// client can tell "the model is down" from other warnings without reading the message.
    /// </summary>
    public const string ModelFailedWarningKind = "model.failed";

    public const string ExtractiveWarning = "Extractive answer: sentences quoted from the documents (no chat model was used).";

    public AgentDescriptor Descriptor { get; } = new(
        AgentNames.Synthesis,
        "Writes the answer from the passages its retrieval dependencies found, citing them as [n]; extractive without a model.",
        new InputSchema(
            new InputProperty("query", InputType.String, "The question to answer.", Required: true, MaxLength: 4000),
            new InputProperty("style", InputType.String, "\"answer\" (default) or \"comparison\".", MaxLength: 20),
            new InputProperty("entities", InputType.StringArray, "For a comparison, the things compared.")),
        new AgentCostProfile(ModelCalls: 1, InputTokens: 3000, OutputTokens: 300, ModelLatencyMs: 3000, LocalLatencyMs: 5),
        HasFallback: true);

    public async Task<StepOutput> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var question = context.GetString("query") ?? context.Query;
        var entities = context.Inputs.TryGetValue("entities", out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Array
            ? e.EnumerateArray().Select(x => x.GetString()!).ToList()
            : [];
        var sources = SynthesisSources.Collect(context.Dependencies, MaxSources);
        var warnings = new List<string>();

        if (context.IsFallback)
        {
            warnings.Add("The answer is extractive because synthesis failed or timed out.");
        }
        else if (chatClient is not null && context.Mode != QueryMode.Extractive && sources.Count > 0)
        {
            try
            {
                return await ModelAnswerAsync(context, question, sources, warnings, cancellationToken);
            }
            catch (BudgetExceededException ex)
            {
                // A clean stop: no further model call, the answer is made from what was retrieved, and says why.
                logger.LogWarning("Synthesis for workflow {WorkflowId} stopped at a budget: {Reason}", context.WorkflowId, ex.Message);
                context.Events.ResetTokens($"{BudgetWarningPrefix}{ex.Message}");
                context.Events.Warning("budget", $"{BudgetWarningPrefix}{ex.Message}");
                warnings.Add($"{BudgetWarningPrefix}{ex.Message} The answer is a partial, extractive one from the retrieved passages.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Synthesis with the chat model failed for workflow {WorkflowId}; answering extractively.", context.WorkflowId);
                context.Events.ResetTokens($"The chat model failed ({ex.Message}); answering extractively instead.");
                context.Events.Warning(ModelFailedWarningKind, $"The chat model failed ({ex.Message}); the answer is extractive.");
                warnings.Add($"The chat model failed ({ex.Message}); the answer is extractive.");
            }
        }

        return await ExtractiveAnswerAsync(context, question, sources, entities, warnings, cancellationToken);
    }

    private async Task<StepOutput> ExtractiveAnswerAsync(
        StepContext context, string question, IReadOnlyList<RetrievedPassage> sources, List<string> entities, List<string> warnings, CancellationToken cancellationToken)
    {
        var relevance = await SentenceRelevanceAsync(question, sources, warnings, cancellationToken);
        var answer = new ExtractiveSynthesizer(options.ExtractiveMaxSentences).Compose(question, sources, entities, relevance);
        double? best = relevance is { Count: > 0 } ? relevance.Values.Max() : null;
        if (!answer.Declined
            && AnswerAssessment.Assess(sources, [.. answer.Sentences.Select(s => answer.Sources[s.Source - 1].ChunkId)], support: 1.0, best).Decline)
        {
            // No passage is about the question (by meaning, or by keywords when there are no embeddings), though the
            // sentences quote them (so their support is full): decline before streaming, with the rule the citation step
            // applies to every answer.
            answer = new ExtractiveAnswer(ExtractiveSynthesizer.DeclineText, [], answer.Sources, Declined: true);
        }

        var text = answer.Declined ? ExtractiveSynthesizer.DeclineMessage(question, answer.Sources) : answer.Text;
        foreach (var phrase in Phrases(text))
        {
            cancellationToken.ThrowIfCancellationRequested();
            context.Events.Token(phrase);
        }

        // Yield once so a cancellation or timeout that raced with the last word is observed before completing.
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        warnings.Insert(0, ExtractiveWarning);
        var result = new SynthesisResult(text, AnswerMode.Extractive, answer.Sources, answer.Declined) { Relevance = best };
        return StepOutput.Create(
            result,
            answer.Declined ? "The passages do not cover the question." : $"Extractive answer of {answer.Sentences.Count} sentence(s) from {answer.Sentences.Select(s => s.Source).Distinct().Count()} passage(s).",
            new AnswerDraft(text, AnswerMode.Extractive) { Declined = answer.Declined },
            warnings);
    }

    /// <summary>
    /// The cosine similarity of the question with each candidate sentence of the sources (at most
    /// <see cref="MaxRelevanceSentences"/>, best-ranked passages first), or null without an embedding model or past
    /// <see cref="AgentsOptions.SentenceRelevanceTimeoutMs"/>. The sentence
    /// vectors come from the embedding cache after the first query that meets them. A failing model gives a warning and
    /// keyword-only sentence choice, never a failed step.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, double>?> SentenceRelevanceAsync(
        string question, IReadOnlyList<RetrievedPassage> sources, List<string> warnings, CancellationToken cancellationToken)
    {
        if (embeddings is null || sources.Count == 0)
        {
            return null;
        }

        var sentences = sources.SelectMany(ExtractiveSynthesizer.CandidateSegments).Select(s => s.Text).Distinct(StringComparer.Ordinal).Take(MaxRelevanceSentences);
        var relevanceBudget = TimeSpan.FromMilliseconds(options.SentenceRelevanceTimeoutMs);
        using var budget = new CancellationTokenSource(relevanceBudget, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            return await new SemanticSimilarity(embeddings).ToQueryAsync(question, sentences, linked.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Sentence embeddings took longer than {Budget}; choosing sentences by their words only.", relevanceBudget);
            warnings.Add($"Sentences were chosen by their words only: the sentence model took longer than {relevanceBudget.TotalSeconds:0} s.");
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Sentence embeddings failed; choosing sentences by their words only.");
            warnings.Add($"Sentences were chosen by their words only: the embedding model failed ({ex.Message}).");
            return null;
        }
    }

    private async Task<StepOutput> ModelAnswerAsync(
        StepContext context, string question, IReadOnlyList<RetrievedPassage> sources, List<string> warnings, CancellationToken cancellationToken)
    {
        var prompt = prompts.Select(PromptId, context.WorkflowId);
        var messages = prompt.ToMessages(new Dictionary<string, string>
        {
            ["context"] = FormatContext(sources),
            ["question"] = question,
        });
        var calls = new StepModelCalls(context, AgentNames.Synthesis);
        var text = new StringBuilder();
        try
        {
            await foreach (var update in chatClient!.GetStreamingResponseAsync(messages, prompt.CreateOptions(calls.Context, calls.Options()), cancellationToken))
            {
                if (!calls.Observe(update))
                {
                    text.Clear(); // restarted on the fallback profile: what came before is void
                    continue;
                }

                if (!string.IsNullOrEmpty(update.Text))
                {
                    text.Append(update.Text);
                    context.Events.Token(update.Text);
                }
            }
        }
        finally
        {
            warnings.AddRange(calls.Warnings);
        }

        var answer = text.ToString().Trim();
        var declined = answer.Length == 0 || ExtractiveSynthesizer.IsDecline(answer);
        if (answer.Length == 0)
        {
            answer = ExtractiveSynthesizer.DeclineText;
        }

        var result = new SynthesisResult(answer, AnswerMode.Model, sources, declined, prompt.Version);
        return StepOutput.Create(result, $"Model answer ({answer.Length} characters, prompt {prompt}).", new AnswerDraft(answer, AnswerMode.Model) { Declined = declined }, warnings);
    }

    /// <summary>The numbered context: <c>[n] file, p. 14 — heading</c>, then the passage text.</summary>
    internal static string FormatContext(IReadOnlyList<RetrievedPassage> sources)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < sources.Count; i++)
        {
            var source = sources[i];
            builder.Append('[').Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append("] ").Append(source.DocumentName);
            if (source.Pages.Count > 0)
            {
                builder.Append(source.Pages.Count == 1 ? ", p. " : ", pp. ").Append(source.Pages[0].ToString(CultureInfo.InvariantCulture));
                if (source.Pages.Count > 1)
                {
                    builder.Append('–').Append(source.Pages[^1].ToString(CultureInfo.InvariantCulture));
                }
            }

            if (source.HeadingPath.Length > 0)
            {
                builder.Append(" — ").Append(source.HeadingPath);
            }

            builder.Append('\n').Append(source.Text.Trim()).Append("\n\n");
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>
    /// The answer as streamed: phrases of up to <see cref="MaxWordsPerToken"/> words, ending early after punctuation or a
    /// citation marker, each with the space after it. Each token is an event (appended to the workflow's log and written
    /// to every stream), so a phrase costs what a word did.
    /// </summary>
    internal static IEnumerable<string> Phrases(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var phrase = new StringBuilder();
        var count = 0;
        for (var i = 0; i < words.Length; i++)
        {
            var last = i == words.Length - 1;
            phrase.Append(words[i]);
            if (!last)
            {
                phrase.Append(' ');
            }

            if (last || ++count == MaxWordsPerToken || words[i][^1] is '.' or ',' or ';' or ':' or '?' or '!' or ']')
            {
                yield return phrase.ToString();
                phrase.Clear();
                count = 0;
            }
        }
    }
}
