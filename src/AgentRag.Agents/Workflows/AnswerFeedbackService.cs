using System.Globalization;
using AgentRag.Core.Feedback;
using AgentRag.Core.Usage;
using AgentRag.Models.Prompts;

namespace AgentRag.Agents.Workflows;

/// <summary>A feedback request that cannot be stored; <see cref="Field"/> names the field at fault (<c>rating</c>, <c>comment</c>).</summary>
public sealed class FeedbackRejectedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Attributes workflows to the prompt versions and models that answered them, records each completed workflow's
/// citation support per prompt version, and takes feedback on answers. A workflow's prompt versions are the A/B arms
/// <see cref="PromptCatalog.Select"/> assigned it, one per prompt, whether or not a model call used them (so an
/// arm's metrics count its workflows that fell back to an extractive answer too); each is marked used when a usage row
/// recorded it. Thread-safe.
/// </summary>
public sealed class AnswerFeedbackService(IAnswerQualityStore store, IUsageStore usage, PromptCatalog prompts, TimeProvider time)
{
    /// <summary>The longest comment accepted, in characters.</summary>
    public const int MaxCommentLength = 2_000;

    /// <summary>The user id recorded when the caller names none.</summary>
    public const string AnonymousUser = "anonymous";

    /// <summary>Parses <c>up</c> or <c>down</c> (case-insensitive); throws <see cref="FeedbackRejectedException"/> otherwise.</summary>
    public static AnswerRating ParseRating(string? rating) => rating?.Trim().ToLowerInvariant() switch
    {
        "up" => AnswerRating.Up,
        "down" => AnswerRating.Down,
        null or "" => throw new FeedbackRejectedException("rating", "The rating is missing: send \"up\" or \"down\"."),
        _ => throw new FeedbackRejectedException("rating", $"Unknown rating '{rating}': send \"up\" or \"down\"."),
    };

    /// <summary>The workflow's assigned prompt versions (used or not) and the chat models its calls used.</summary>
    public async Task<(IReadOnlyList<AssignedPrompt> Prompts, IReadOnlyList<string> Models)> AttributeAsync(
        string tenantId, string workflowId, CancellationToken cancellationToken = default)
    {
        var calls = await usage.GetWorkflowCallsAsync(tenantId, workflowId, cancellationToken);
        var used = calls.Prompts.ToHashSet();
        var assigned = new List<AssignedPrompt>();
        foreach (var agent in prompts.Agents)
        {
            // A call recorded under a version the catalog no longer selects (e.g. weights changed before a restart) wins.
            var recorded = calls.Prompts.Where(p => string.Equals(p.PromptId, agent, StringComparison.OrdinalIgnoreCase)).ToList();
            if (recorded.Count > 0)
            {
                assigned.AddRange(recorded.Select(p => new AssignedPrompt(p.PromptId, p.Version, Used: true)));
                continue;
            }

            var selected = prompts.Select(agent, workflowId);
            assigned.Add(new AssignedPrompt(selected.Id, selected.Version, used.Contains((selected.Id, selected.Version))));
        }

        // Calls under a prompt the catalog does not list any more still count.
        assigned.AddRange(calls.Prompts
            .Where(p => !assigned.Any(a => a.PromptId == p.PromptId && a.Version == p.Version))
            .Select(p => new AssignedPrompt(p.PromptId, p.Version, Used: true)));
        return (assigned, calls.Models);
    }

    /// <summary>Records a completed workflow's answer against its prompt versions. Idempotent.</summary>
    public async Task RecordOutcomeAsync(WorkflowState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Status != WorkflowStatus.Completed || state.Answer is not { } answer)
        {
            throw new ArgumentException($"Workflow {state.WorkflowId} has not completed with an answer (status {state.Status}).", nameof(state));
        }

        var (assigned, _) = await AttributeAsync(state.TenantId, state.WorkflowId, cancellationToken);
        await store.RecordOutcomeAsync(new AnswerOutcome(
            state.TenantId,
            state.WorkflowId,
            assigned,
            answer.Mode.ToString().ToLowerInvariant(),
            answer.CitationSupportRate,
            state.CompletedAt ?? time.GetUtcNow()), cancellationToken);
    }

    /// <summary>
    /// Stores <paramref name="userId"/>'s feedback on a workflow of the tenant, replacing their earlier feedback on it,
    /// attributed to the workflow's prompt versions and models. <paramref name="workflow"/> must be the tenant's
    /// workflow (the caller looks it up, so another tenant's is "not found"). Throws <see cref="FeedbackRejectedException"/>
    /// for a bad rating or a comment over <see cref="MaxCommentLength"/> characters. Returns the stored feedback and
    /// whether it replaced one.
    /// </summary>
    public async Task<(AnswerFeedback Feedback, bool Replaced)> SubmitAsync(
        WorkflowState workflow, string? userId, string? rating, string? comment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var parsed = ParseRating(rating);
        if (comment is { Length: > MaxCommentLength })
        {
            throw new FeedbackRejectedException("comment", string.Create(CultureInfo.InvariantCulture,
                $"The comment is {comment.Length:N0} characters long; the limit is {MaxCommentLength:N0}."));
        }

        var (assigned, models) = await AttributeAsync(workflow.TenantId, workflow.WorkflowId, cancellationToken);
        var feedback = new AnswerFeedback(
            workflow.TenantId,
            workflow.WorkflowId,
            string.IsNullOrWhiteSpace(userId) ? AnonymousUser : userId.Trim(),
            parsed,
            string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(),
            [.. assigned.Select(p => new PromptVersionRef(p.PromptId, p.Version))],
            models,
            time.GetUtcNow());
        var replaced = await store.RecordFeedbackAsync(feedback, cancellationToken);
        return (feedback, replaced);
    }
}
