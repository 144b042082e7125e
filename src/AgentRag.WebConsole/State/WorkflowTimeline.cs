using System.Text;
using System.Text.Json;
using AgentRag.WebConsole.Api;

namespace AgentRag.WebConsole.State;

/// <summary>What a step of the timeline is doing.</summary>
public enum StepState
{
    Planned,
    Running,
    Completed,
    Failed,
    WaitingForApproval,
}

/// <summary>One step of the plan as the timeline shows it: its state, what it last said, and what went wrong.</summary>
public sealed class TimelineStep(string id, string agent, IReadOnlyList<string> dependsOn)
{
    public string Id { get; } = id;

    public string Agent { get; internal set; } = agent;

    public IReadOnlyList<string> DependsOn { get; } = dependsOn;

    public StepState State { get; internal set; } = StepState.Planned;

    /// <summary>The latest progress message or completion summary ("searching…", "found 8 passages").</summary>
    public string Status { get; internal set; } = "";

    public int Attempt { get; internal set; }

    /// <summary>True once the step runs its fallback (another model, or the extractive answer).</summary>
    public bool Fallback { get; internal set; }

    /// <summary>Retries, fallbacks, warnings and failures of the step, in order.</summary>
    public List<string> Notes { get; } = [];
}

/// <summary>
/// The state of one asked question, built from its workflow's events in order (<see cref="Apply"/>): the plan's steps,
/// the answer as it streams (a <c>token.reset</c> voids that step's text so far), the citations, and how it ended. Not
/// thread-safe: the page applies events on its render thread.
/// </summary>
public sealed class WorkflowTimeline
{
    private readonly Dictionary<string, StringBuilder> _tokens = new(StringComparer.Ordinal);
    private readonly List<string> _tokenOrder = [];

    public string Question { get; }

    public string? WorkflowId { get; private set; }

    public List<TimelineStep> Steps { get; } = [];

    public IReadOnlyList<Citation> Citations { get; private set; } = [];

    public DoneEvent? Done { get; private set; }

    public ErrorEvent? Error { get; private set; }

    /// <summary>A problem that ended the request before the workflow did (offline, rate limited, refused).</summary>
    public ChatFailure? Failure { get; private set; }

    /// <summary>
    /// Trouble the answer was made despite: the chat model failed (step warning <c>model.failed</c>) or a budget stopped
    /// it (<c>budget</c>), so the answer is extractive. One per kind.
    /// </summary>
    public List<ChatFailure> Notices { get; } = [];

    /// <summary>The caller's rating of the answer (<c>up</c>, <c>down</c>), once given in this page.</summary>
    public string? Rating { get; set; }

    /// <summary>Why the rating was not stored, when it was not.</summary>
    public string? RatingError { get; set; }

    /// <summary>Warnings the plan or the steps reported.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Approval requests the workflow is waiting on.</summary>
    public List<ApprovalRequestEvent> PendingApprovals { get; } = [];

    public WorkflowTimeline(string question) => Question = question;

    /// <summary>True once the workflow answered, failed, or the request failed.</summary>
    public bool IsFinished => Done is not null || Error is not null || Failure is not null;

    /// <summary>The answer: the final one once <c>done</c> came, else the text streamed so far.</summary>
    public string Answer => Done?.Answer ?? string.Concat(_tokenOrder.Select(step => _tokens[step].ToString()));

    /// <summary>Applies one event of the workflow's stream; unknown event types are ignored.</summary>
    public void Apply(string eventType, string data)
    {
        switch (eventType)
        {
            case "plan":
                var plan = Read<PlanEvent>(data);
                WorkflowId = plan.WorkflowId;
                foreach (var step in plan.Steps)
                {
                    if (Find(step.Id) is null)
                    {
                        Steps.Add(new TimelineStep(step.Id, step.Agent, step.DependsOn ?? []));
                    }
                }

                Warnings.AddRange(plan.Warnings ?? []);
                break;
            case "step.started":
                var started = Read<StepStartedEvent>(data);
                var s = Step(started.StepId, started.Agent);
                if (started.Attempt > 1)
                {
                    s.Notes.Add($"Retry: attempt {started.Attempt}");
                }

                if (started.Fallback && !s.Fallback)
                {
                    s.Notes.Add("Fallback: running the fallback");
                }

                s.State = StepState.Running;
                s.Attempt = started.Attempt;
                s.Fallback |= started.Fallback;
                s.Status = started.Resumed ? "resumed after a restart…" : "started…";
                break;
            case "step.progress":
                var progress = Read<StepProgressEvent>(data);
                var p = Step(progress.StepId, progress.Agent);
                if (p.State == StepState.Planned)
                {
                    p.State = StepState.Running; // the step.started event was missed (a stream resumed mid-step)
                }

                if (progress.Warning is { } warning)
                {
                    p.Notes.Add($"Warning: {warning.Message}");
                    if (NoticeKind(warning.Kind) is { } kind)
                    {
                        if (!Notices.Exists(n => n.Kind == kind))
                        {
                            Notices.Add(new ChatFailure(kind, warning.Message));
                        }
                    }
                    else
                    {
                        Warnings.Add(warning.Message);
                    }
                }
                else
                {
                    p.Status = progress.Message;
                }

                break;
            case "step.completed":
                var completed = Read<StepCompletedEvent>(data);
                var c = Step(completed.StepId, completed.Agent);
                c.State = StepState.Completed;
                c.Status = completed.Summary;
                foreach (var w in completed.Warnings ?? [])
                {
                    c.Notes.Add($"Warning: {w}");
                }

                break;
            case "step.failed":
                var failed = Read<StepFailedEvent>(data);
                var f = Step(failed.StepId, failed.Agent);
                f.Notes.Add(failed.Action switch
                {
                    "fallback" => $"Failed ({failed.Error}); falling back",
                    "continue" => $"Failed ({failed.Error}); continuing without it",
                    _ => $"Failed: {failed.Error}",
                });
                f.State = failed.Action == "fallback" ? StepState.Running : StepState.Failed;
                f.Status = failed.TimedOut ? "timed out" : "failed";
                break;
            case "token":
                var token = Read<TokenEvent>(data);
                if (!_tokens.TryGetValue(token.StepId, out var text))
                {
                    _tokens[token.StepId] = text = new StringBuilder();
                    _tokenOrder.Add(token.StepId);
                }

                text.Append(token.Text);
                break;
            case "token.reset":
                var reset = Read<TokenResetEvent>(data);
                if (_tokens.TryGetValue(reset.StepId, out var voided))
                {
                    voided.Clear();
                }

                Step(reset.StepId, reset.Agent).Notes.Add($"Answer restarted: {reset.Reason}");
                break;
            case "citations":
                Citations = Read<CitationsEvent>(data).Citations;
                break;
            case "approval.required":
            case "approval.expiring":
            case "approval.escalated":
                var request = Read<ApprovalRequestEvent>(data);
                PendingApprovals.RemoveAll(a => a.ApprovalId == request.ApprovalId);
                PendingApprovals.Add(request);
                Step(request.StepId, request.Agent).State = StepState.WaitingForApproval;
                break;
            case "approval.resolved":
                var resolved = Read<ApprovalResolvedEvent>(data);
                PendingApprovals.RemoveAll(a => a.ApprovalId == resolved.ApprovalId);
                Step(resolved.StepId, "").Notes.Add($"Approval {resolved.Status}{(resolved.DecidedBy is { } by ? $" by {by}" : "")}");
                break;
            case "done":
                Done = Read<DoneEvent>(data);
                Citations = Done.Citations;
                foreach (var w in Done.Warnings)
                {
                    if (!Warnings.Contains(w) && !Notices.Exists(n => n.Detail == w))
                    {
                        Warnings.Add(w);
                    }
                }

                break;
            case "error":
                Error = Read<ErrorEvent>(data);
                break;
        }
    }

    /// <summary>Ends the question with a request failure (the stream could not start or broke off).</summary>
    public void Fail(ChatFailure failure) => Failure = failure;

    /// <summary>
    /// A turn of a reopened conversation: its stored outcome (<paramref name="state"/>: the answer with its citations,
    /// confidence and follow-ups, or the workflow's error), else the answer text the session recorded.
    /// </summary>
    public static WorkflowTimeline Reopened(SessionTurn turn, QueryState? state)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var timeline = new WorkflowTimeline(turn.Question) { WorkflowId = turn.WorkflowId };
        if (state?.Answer is { } answer)
        {
            timeline.Done = answer;
            timeline.Citations = answer.Citations;
            timeline.Warnings.AddRange(answer.Warnings);
        }
        else if (state?.Error is { } error)
        {
            timeline.Error = new ErrorEvent(turn.WorkflowId, state.Status, error, null, null);
        }
        else if (turn.Answer is { } text)
        {
            timeline._tokens[""] = new StringBuilder(text);
            timeline._tokenOrder.Add("");
        }

        return timeline;
    }

    /// <summary>The notice a step warning of <paramref name="kind"/> stands for; null for other warnings.</summary>
    private static FailureKind? NoticeKind(string kind) => kind switch
    {
        ModelFailedWarning => FailureKind.ModelUnavailable,
        "budget" => FailureKind.BudgetExhausted,
        _ => null,
    };

    /// <summary>The step warning kind the synthesis step reports when the chat model failed and it answered extractively.</summary>
    public const string ModelFailedWarning = "model.failed";

    private TimelineStep? Find(string id) => Steps.Find(s => s.Id == id);

    private TimelineStep Step(string id, string agent)
    {
        if (Find(id) is { } step)
        {
            if (agent.Length > 0)
            {
                step.Agent = agent;
            }

            return step;
        }

        step = new TimelineStep(id, agent, []);
        Steps.Add(step);
        return step;
    }

    private static T Read<T>(string data) =>
        JsonSerializer.Deserialize<T>(data, WireJson.Options) ?? throw new JsonException($"An empty {typeof(T).Name}.");
}
