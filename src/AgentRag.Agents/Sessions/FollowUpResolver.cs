using AgentRag.Agents.Text;
using AgentRag.Models;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Prompts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Sessions;

/// <summary>Who is asking, for the rewrite's model call (usage attribution and prompt selection).</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="SessionId">The conversation.</param>
/// <param name="WorkflowId">The workflow that will answer the rewritten question (its prompt version is used).</param>
/// <param name="UseModel">False in extractive mode: the rule-based rewrite only.</param>
public sealed record FollowUpContext(string TenantId, string SessionId, string WorkflowId, bool UseModel);

/// <summary>
/// Turns a conversation's follow-up ("and what about its defaults?") into a standalone question retrieval can answer
/// ("… (read.table)"). With a chat model the versioned <c>follow-up-rewrite</c> prompt rewrites it; without one (or when
/// the model fails or returns something unusable) a rule-based rewrite carries the previous question's salient terms
/// over to a question that is a follow-up: one that refers back (it, its, this, they, …), continues ("and …",
/// "what about …"), or names no topic of its own. A standalone question is returned unchanged. Thread-safe.
/// </summary>
public sealed class FollowUpResolver(PromptCatalog prompts, ModelCatalog models, ILogger<FollowUpResolver> logger, IChatClient? chatClient = null)
{
    /// <summary>The prompt id of the model rewrite.</summary>
    public const string PromptId = "follow-up-rewrite";

    /// <summary>Most terms carried over from the previous question.</summary>
    public const int MaxCarriedTerms = 8;

    private static readonly HashSet<string> Anaphors = new(StringComparer.Ordinal)
    {
        "it", "its", "it's", "itself", "this", "these", "those", "they", "them", "their", "theirs", "themselves",
        "he", "him", "his", "she", "her", "former", "latter", "same", "above", "previous", "aforementioned",
    };

    private static readonly string[] Continuations =
    [
        "and ", "but ", "also ", "or ", "so ", "then ", "what about ", "how about ", "what else", "and?", "why?", "how?",
    ];

    /// <summary>
    /// The standalone form of <paramref name="question"/> given the conversation's earlier questions (oldest first, each
    /// already standalone); <paramref name="question"/> itself when there is no history or it is not a follow-up.
    /// Model failures fall back to the rule-based rewrite (logged); cancellation is thrown.
    /// </summary>
    public async Task<string> ResolveAsync(string question, IReadOnlyList<string> history, FollowUpContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(context);
        var trimmed = question.Trim();
        if (history.Count == 0)
        {
            return trimmed;
        }

        var ruleBased = Rewrite(trimmed, history);
        if (chatClient is null || !context.UseModel || !models.IsChatAvailable)
        {
            return ruleBased;
        }

        try
        {
            var rewritten = await RewriteWithModelAsync(trimmed, history, context, cancellationToken);
            if (rewritten is not null)
            {
                return rewritten;
            }

            logger.LogWarning("The follow-up rewrite of the model was unusable; using the rule-based rewrite.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The follow-up rewrite by the model failed; using the rule-based rewrite.");
        }

        return ruleBased;
    }

    /// <summary>
    /// The rule-based rewrite: when <paramref name="question"/> is a follow-up (<see cref="IsFollowUp"/>), it is suffixed
    /// with the salient terms of the newest earlier question that has any (in parentheses), else returned unchanged.
    /// </summary>
    public static string Rewrite(string question, IReadOnlyList<string> history)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(history);
        var trimmed = question.Trim();
        if (!IsFollowUp(trimmed))
        {
            return trimmed;
        }

        var own = LexicalSimilarity.Terms(trimmed);
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var carried = SalientTerms(history[i]).Where(word => !LexicalSimilarity.Terms(word).IsSubsetOf(own)).ToList();
            if (carried.Count > 0)
            {
                return $"{trimmed} ({string.Join(' ', carried)})";
            }
        }

        return trimmed;
    }

    /// <summary>
    /// True when the question depends on what came before: it contains an anaphor (it, its, this, they, …), starts as a
    /// continuation ("and …", "what about …"), or has no topic term of its own ("why?").
    /// </summary>
    public static bool IsFollowUp(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var lower = question.Trim().ToLowerInvariant();
        if (lower.Length == 0)
        {
            return false;
        }

        if (Continuations.Any(prefix => lower.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return true;
        }

        if (Words(lower).Any(word => Anaphors.Contains(word)))
        {
            return true;
        }

        return QuestionText.TopicTerms(lower).Count == 0;
    }

    /// <summary>
    /// The words that say what <paramref name="question"/> is about, as written. Identifiers (read.table, beforeExit,
    /// process_env) name the entity a later "it" refers to, so when there are any only they are carried; otherwise every
    /// topic word (not a question function word or stopword), without an earlier carry-over's parentheses.
    /// </summary>
    public static IReadOnlyList<string> SalientTerms(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var words = question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Trim('?', '!', '.', ',', ';', ':', '"', '\'', '(', ')', '[', ']', '‘', '’', '“', '”', '`'))
            .Where(word => word.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        var identifiers = words.Where(IsIdentifier).Take(MaxCarriedTerms).ToList();
        if (identifiers.Count > 0)
        {
            return identifiers;
        }

        return words
            .Where(word => !Anaphors.Contains(word.ToLowerInvariant()))
            .Where(word => LexicalSimilarity.Terms(word) is { Count: > 0 } terms && !terms.All(QuestionText.IsFunctionTerm))
            .Take(MaxCarriedTerms)
            .ToList();
    }

    private static bool IsIdentifier(string word) =>
        word.Length > 1
        && char.IsLetter(word[0])
        && (word.Contains('.', StringComparison.Ordinal)
            || word.Contains('_', StringComparison.Ordinal)
            || word.Contains("::", StringComparison.Ordinal)
            || word.Skip(1).Any(char.IsUpper) && word.Any(char.IsLower));

    private static IEnumerable<string> Words(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Trim('?', '!', '.', ',', ';', ':', '"', '(', ')', '‘', '’', '“', '”').Replace('’', '\''));

    private async Task<string?> RewriteWithModelAsync(string question, IReadOnlyList<string> history, FollowUpContext context, CancellationToken cancellationToken)
    {
        var prompt = prompts.Select(PromptId, context.WorkflowId);
        var messages = prompt.ToMessages(new Dictionary<string, string>
        {
            ["history"] = string.Join('\n', history.Select((q, i) => $"{i + 1}. {q}")),
            ["question"] = question,
        });
        var callContext = new ModelCallContext
        {
            TenantId = context.TenantId,
            SessionId = context.SessionId,
            WorkflowId = context.WorkflowId,
            Agent = "follow-up-rewrite",
        };

        // A rewrite is a small task: the cheap profile when one is configured.
        var baseOptions = models.TryGet(ModelProfileNames.Cheap, out _) ? new ChatOptions().WithProfile(ModelProfileNames.Cheap) : null;
        var response = await chatClient!.GetResponseAsync(messages, prompt.CreateOptions(callContext, baseOptions), cancellationToken);
        var line = response.Text.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()?.Trim('"', '“', '”');

        // An empty rewrite, or one many times the question's length (an answer rather than a question), is unusable.
        return string.IsNullOrWhiteSpace(line) || line.Length > Math.Max(200, question.Length * 4) ? null : line;
    }
}
