using AgentRag.Models;
using AgentRag.Models.Calls;
using AgentRag.Models.Prompts;
using AgentRag.Retrieval.Search;
using Microsoft.Extensions.AI;

namespace AgentRag.Retrieval.Expansion;

/// <summary>
/// Multi-query expansion with a chat model: the versioned <c>query-expansion</c> prompt asks for a few rewrites, one
/// per line; numbering, bullets and quotes are stripped, and rewrites equal to the query or to each other are dropped.
/// Calls go through the model layer (profile, resilience, budgets, usage, response cache). Thread-safe.
/// </summary>
public sealed class LlmQueryRewriter(IChatClient chat, PromptCatalog prompts) : IQueryRewriter
{
    /// <summary>The prompt (agent) id in <c>prompts/</c>.</summary>
    public const string PromptId = "query-expansion";

    /// <summary>Longest rewrite kept, in characters; longer lines are answers or rambling, not queries.</summary>
    private const int MaxRewriteLength = 300;

    /// <inheritdoc />
    /// <exception cref="ModelException">The model call failed after the model layer's retries and fallback.</exception>
    public async Task<IReadOnlyList<string>> RewriteAsync(string query, int count, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var context = ModelCallContext.Current ?? new ModelCallContext();
        var prompt = prompts.Select(PromptId, context.WorkflowId ?? query);
        var messages = prompt.ToMessages(new Dictionary<string, string>
        {
            ["query"] = query,
            ["count"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var response = await chat.GetResponseAsync(messages, prompt.CreateOptions(context with { Agent = context.Agent ?? "query-expansion" }), cancellationToken);
        return ParseRewrites(response.Text, query, count);
    }

    /// <summary>The usable rewrites in <paramref name="reply"/>, at most <paramref name="count"/>.</summary>
    internal static IReadOnlyList<string> ParseRewrites(string? reply, string query, int count)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Normalize(query) };
        var rewrites = new List<string>(count);
        foreach (var raw in (reply ?? "").Split('\n'))
        {
            var line = raw.Trim().TrimStart('-', '*', '•', '·').Trim();
            // "1." / "2)" numbering
            var digits = 0;
            while (digits < line.Length && char.IsDigit(line[digits]))
            {
                digits++;
            }

            if (digits > 0 && digits < line.Length && line[digits] is '.' or ')' or ':')
            {
                line = line[(digits + 1)..].Trim();
            }

            line = line.Trim('"', '\'', '“', '”', '`').Trim();
            if (line.Length == 0 || line.Length > MaxRewriteLength || line.EndsWith(':'))
            {
                continue; // empty, an answer, or a heading like "Rewrites:"
            }

            if (seen.Add(Normalize(line)))
            {
                rewrites.Add(line);
                if (rewrites.Count == count)
                {
                    break;
                }
            }
        }

        return rewrites;
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).TrimEnd('?', '.', '!');
}
