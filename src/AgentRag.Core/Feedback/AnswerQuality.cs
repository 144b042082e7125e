namespace AgentRag.Core.Feedback;

/// <summary>A caller's verdict on an answer.</summary>
public enum AnswerRating
{
    Up,
    Down,
}

/// <summary>One version of one prompt, as the catalog and the usage rows name it.</summary>
public sealed record PromptVersionRef(string PromptId, string Version);

/// <summary>A prompt version a workflow was assigned; <see cref="Used"/> when one of its model calls recorded it.</summary>
public sealed record AssignedPrompt(string PromptId, string Version, bool Used);

/// <summary>
/// The outcome of one completed workflow, per prompt version it was assigned: the answer's mode and citation support
/// rate (null when the answer had no claims to verify, e.g. a decline).
/// </summary>
public sealed record AnswerOutcome(
    string TenantId, string WorkflowId, IReadOnlyList<AssignedPrompt> Prompts, string Mode, double? CitationSupportRate, DateTimeOffset CompletedAt);

/// <summary>
/// One caller's feedback on one workflow, attributed to the prompt versions and models that produced the answer.
/// <see cref="Comment"/> is null when none was given.
/// </summary>
public sealed record AnswerFeedback(
    string TenantId,
    string WorkflowId,
    string UserId,
    AnswerRating Rating,
    string? Comment,
    IReadOnlyList<PromptVersionRef> Prompts,
    IReadOnlyList<string> Models,
    DateTimeOffset CreatedAt);

/// <summary>
/// Answer quality measured for one prompt version: the mean citation support rate over the completed workflows
/// assigned to it (over those with a rate), and its feedback: ups, downs and the score (ups − downs) / count.
/// </summary>
public sealed record PromptQuality(
    string PromptId,
    string Version,
    long Workflows,
    long RatedWorkflows,
    double? CitationSupportRate,
    long FeedbackUp,
    long FeedbackDown)
{
    public long FeedbackCount => FeedbackUp + FeedbackDown;

    /// <summary>(ups − downs) / count, in [-1, 1]; null without feedback.</summary>
    public double? FeedbackScore => FeedbackCount == 0 ? null : (double)(FeedbackUp - FeedbackDown) / FeedbackCount;
}

/// <summary>
/// Durable answer outcomes and feedback, and their per-prompt-version aggregates. Thread-safe. Every read and write is
/// scoped to one tenant.
/// </summary>
public interface IAnswerQualityStore
{
    /// <summary>Stores a completed workflow's outcome; idempotent (recording the same workflow again replaces its rows).</summary>
    Task RecordOutcomeAsync(AnswerOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores feedback; a caller's second feedback on the same workflow replaces the first, atomically. Returns true when
    /// it replaced one.
    /// </summary>
    Task<bool> RecordFeedbackAsync(AnswerFeedback feedback, CancellationToken cancellationToken = default);

    /// <summary>A caller's feedback on a workflow, or null.</summary>
    Task<AnswerFeedback?> GetFeedbackAsync(string tenantId, string workflowId, string userId, CancellationToken cancellationToken = default);

    /// <summary>Per prompt version, the tenant's citation support and feedback (only versions with an outcome or feedback).</summary>
    Task<IReadOnlyList<PromptQuality>> QueryPromptQualityAsync(string tenantId, CancellationToken cancellationToken = default);
}
