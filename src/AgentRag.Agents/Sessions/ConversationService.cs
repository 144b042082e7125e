using AgentRag.Agents.Workflows;
using AgentRag.Core.Events;
using AgentRag.Core.Sessions;

namespace AgentRag.Agents.Sessions;

/// <summary>A question placed in its conversation: the session, the workflow that will answer it, and the standalone request it runs.</summary>
/// <param name="SessionId">The session the turn belongs to (generated when the caller sent none).</param>
/// <param name="WorkflowId">The workflow id to start the request under.</param>
/// <param name="Request">The request to run: the standalone question, with <see cref="QueryRequest.OriginalQuery"/> set when it was rewritten.</param>
public sealed record ConversationTurn(string SessionId, string WorkflowId, QueryRequest Request);

/// <summary>
/// Questions asked within a conversation, for every surface (<c>POST /v1/queries</c>, the OpenAI-compatible endpoint, the
/// CLI): resolves the session id, rewrites follow-ups against the session's history, records each turn with its
/// workflow id, and records the answer when the workflow ends. Tenant-scoped. Thread-safe.
/// </summary>
public sealed class ConversationService(WorkflowService workflows, ISessionStore sessions, FollowUpResolver resolver)
{
    /// <summary>
    /// The session id to use: <paramref name="sessionId"/> when well-formed, a new one when it is null or blank. Throws
    /// <see cref="QueryRejectedException"/> (field <c>sessionId</c>) for a malformed id.
    /// </summary>
    public static string ResolveSessionId(string? sessionId)
    {
        if (string.IsNullOrWhiteSpace(sessionId))
        {
            return SessionIds.New();
        }

        var trimmed = sessionId.Trim();
        return SessionIds.IsWellFormed(trimmed) ? trimmed : throw new QueryRejectedException("sessionId", SessionIds.Malformed(trimmed));
    }

    /// <summary>
    /// Validates <paramref name="request"/>, rewrites it as a standalone question when it follows up on the history, and
    /// records the turn in the session (creating it if unknown or expired). <paramref name="history"/> (earlier questions,
    /// oldest first) replaces the stored history when given, e.g. the messages of a chat completion request. The caller
    /// then starts <see cref="ConversationTurn.Request"/> under <see cref="ConversationTurn.WorkflowId"/>. Throws
    /// <see cref="QueryRejectedException"/> for an invalid request or a malformed session id.
    /// </summary>
    public async Task<ConversationTurn> BeginTurnAsync(
        string tenantId, string? sessionId, QueryRequest request, IReadOnlyList<string>? history = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentNullException.ThrowIfNull(request);
        var session = ResolveSessionId(sessionId);
        workflows.Validate(request);

        if (history is null)
        {
            var stored = await sessions.GetAsync(tenantId, session, cancellationToken);
            history = stored?.Turns.Select(t => t.Query).ToList() ?? [];
        }

        var workflowId = WorkflowService.NewWorkflowId();
        var question = request.Query.Trim();
        var resolved = await resolver.ResolveAsync(
            question, history, new FollowUpContext(tenantId, session, workflowId, request.Mode != QueryMode.Extractive), cancellationToken);
        var final = request with { Query = question, SessionId = session };
        if (!string.Equals(resolved, question, StringComparison.Ordinal))
        {
            var rewritten = final with { Query = resolved, OriginalQuery = question };
            try
            {
                workflows.Validate(rewritten);
                final = rewritten;
            }
            catch (QueryRejectedException)
            {
                // The rewrite made the question too long: answer the question as asked rather than refuse it.
            }
        }

        await sessions.AppendTurnAsync(tenantId, session, question, final.Query, workflowId, cancellationToken);
        return new ConversationTurn(session, workflowId, final);
    }

    /// <summary>
    /// <see cref="BeginTurnAsync"/>, then runs the workflow to its end (see <see cref="WorkflowService.RunAsync"/>) and
    /// records its answer in the session. Cancelling stops the wait, not the workflow.
    /// </summary>
    public async Task<(ConversationTurn Turn, WorkflowState State)> AskAsync(
        string tenantId, string? sessionId, QueryRequest request, IReadOnlyList<string>? history = null, Action<StoredEvent>? onEvent = null,
        CancellationToken cancellationToken = default)
    {
        var turn = await BeginTurnAsync(tenantId, sessionId, request, history, cancellationToken);
        var state = await workflows.RunAsync(tenantId, turn.Request, onEvent, turn.WorkflowId, cancellationToken);
        await CompleteTurnAsync(tenantId, turn.SessionId, state, cancellationToken);
        return (turn, state);
    }

    /// <summary>Records the answer of a finished workflow in its session turn; a no-op when it has no answer. Idempotent.</summary>
    public Task CompleteTurnAsync(string tenantId, string sessionId, WorkflowState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Answer?.Answer is { } answer
            ? sessions.SetAnswerAsync(tenantId, sessionId, state.WorkflowId, answer, cancellationToken)
            : Task.CompletedTask;
    }

    /// <summary>
    /// The session with its turns, or null when the tenant has none with that id (or it expired, or the id is malformed).
    /// A turn whose answer was not recorded (the client left a stream early) gets it from its workflow when that has ended.
    /// </summary>
    public async Task<Session?> GetSessionAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default)
    {
        var session = await sessions.GetAsync(tenantId, sessionId, cancellationToken);
        if (session is null || session.Turns.All(t => t.Answer is not null))
        {
            return session;
        }

        var turns = new List<SessionTurn>(session.Turns.Count);
        foreach (var turn in session.Turns)
        {
            if (turn.Answer is null && await workflows.GetAsync(tenantId, turn.WorkflowId, cancellationToken) is { Answer.Answer: { } answer })
            {
                await sessions.SetAnswerAsync(tenantId, sessionId, turn.WorkflowId, answer, cancellationToken);
                turns.Add(turn with { Answer = answer });
            }
            else
            {
                turns.Add(turn);
            }
        }

        return session with { Turns = turns };
    }

    /// <summary>The tenant's unexpired sessions, most recently used first, one page at a time (see <see cref="ISessionStore.ListAsync"/>).</summary>
    public Task<SessionList> ListSessionsAsync(string tenantId, int offset, int limit, CancellationToken cancellationToken = default) =>
        sessions.ListAsync(tenantId, offset, limit, cancellationToken);

    /// <summary>Deletes the session; false when the tenant has no such session. Its workflows stay readable by id.</summary>
    public Task<bool> DeleteSessionAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default) =>
        sessions.DeleteAsync(tenantId, sessionId, cancellationToken);
}
