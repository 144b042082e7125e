using AgentRag.Models;
using AgentRag.Models.Calls;
using AgentRag.Models.Prompts;
using AgentRag.Retrieval.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Retrieval.Reranking;

/// <summary>
/// <see cref="IReranker"/> that asks a chat model for the graded relevance (0–3) of each passage to the query, one call
/// per passage (pointwise), with the versioned <c>rerank</c> prompt, a few calls at a time. Used when a chat model is
/// configured and no rerank endpoint is. Calls go through the model layer (profile, resilience, budgets, usage,
/// response cache). A reply that holds no grade scores the passage 0 and is logged. Thread-safe.
/// </summary>
public sealed class LlmPointwiseReranker(
    IChatClient chat, PromptCatalog prompts, string? profile = null, int maxConcurrency = 4, ILogger<LlmPointwiseReranker>? logger = null) : IReranker
{
    /// <summary>The prompt (agent) id in <c>prompts/</c>.</summary>
    public const string PromptId = "rerank";

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <inheritdoc />
    /// <exception cref="ModelException">A model call failed after the model layer's retries and fallback.</exception>
    public async Task<IReadOnlyList<double>> ScoreAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentNullException.ThrowIfNull(documents);
        var context = ModelCallContext.Current ?? new ModelCallContext();
        var prompt = prompts.Select(PromptId, context.WorkflowId ?? query);
        var options = prompt.CreateOptions(context with { Agent = context.Agent ?? "rerank" });
        if (profile is not null)
        {
            options = options.WithProfile(profile);
        }

        var scores = new double[documents.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, maxConcurrency));
        await Task.WhenAll(documents.Select(async (document, i) =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var messages = prompt.ToMessages(new Dictionary<string, string> { ["query"] = query, ["passage"] = document });
                var response = await chat.GetResponseAsync(messages, options, cancellationToken);
                scores[i] = ParseGrade(response.Text) ?? LogUnparsed(response.Text, i);
            }
            finally
            {
                gate.Release();
            }
        }));
        return scores;
    }

    /// <summary>The reply's first number when it is a grade 0–3, else null (e.g. "7", "10", or no number).</summary>
    internal static int? ParseGrade(string? reply)
    {
        var text = reply ?? "";
        var start = 0;
        while (start < text.Length && !char.IsAsciiDigit(text[start]))
        {
            start++;
        }

        var end = start;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return end - start == 1 && text[start] <= '3' ? text[start] - '0' : null;
    }

    private double LogUnparsed(string reply, int index)
    {
        _logger.LogWarning("Reranker reply for passage {Index} holds no grade 0-3 ({Reply}); scoring it 0.", index, reply.Length > 80 ? reply[..80] : reply);
        return 0;
    }
}
