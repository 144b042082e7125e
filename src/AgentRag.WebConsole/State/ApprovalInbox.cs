using System.Globalization;
using System.Text.Json;
using AgentRag.WebConsole.Api;

namespace AgentRag.WebConsole.State;

/// <summary>A decided request as the inbox's history shows it: the request (when its event was seen) and the decision.</summary>
public sealed record DecidedApproval(ApprovalRequestEvent? Request, ApprovalResolvedEvent Resolution);

/// <summary>
/// The approvals inbox built from the tenant's approval stream in order (<see cref="Apply"/>): the open requests, soonest
/// timeout first, and the decided ones, newest first. <see cref="LastEventId"/> is where a reconnect resumes. Not
/// thread-safe: the page applies events on its render thread.
/// </summary>
public sealed class ApprovalInbox
{
    /// <summary>Decided requests kept in <see cref="History"/> at most.</summary>
    public const int MaxHistory = 100;

    private readonly Dictionary<string, ApprovalRequestEvent> _requests = new(StringComparer.Ordinal);
    private readonly HashSet<string> _decided = new(StringComparer.Ordinal);
    private readonly List<DecidedApproval> _history = [];

    /// <summary>Requests waiting for a decision (pending or escalated), the soonest timeout first.</summary>
    public IReadOnlyList<ApprovalRequestEvent> Pending =>
        _requests.Values.OrderBy(r => r.ExpiresAt).ThenBy(r => r.ApprovalId, StringComparer.Ordinal).ToList();

    /// <summary>Decided requests, the latest decision first.</summary>
    public IReadOnlyList<DecidedApproval> History => _history;

    /// <summary>The SSE id of the last event applied (0 before any).</summary>
    public long LastEventId { get; private set; }

    /// <summary>Applies one event of the approval stream; unknown event types are ignored, ids at or below <see cref="LastEventId"/> too (a replay).</summary>
    public void Apply(string eventType, string data, string? eventId = null)
    {
        if (long.TryParse(eventId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            if (id <= LastEventId)
            {
                return;
            }

            LastEventId = id;
        }

        switch (eventType)
        {
            case "approval.required":
            case "approval.expiring":
            case "approval.escalated":
                var request = JsonSerializer.Deserialize<ApprovalRequestEvent>(data, WireJson.Options) ?? throw new JsonException("An empty approval request.");
                if (!_decided.Contains(request.ApprovalId))
                {
                    _requests[request.ApprovalId] = request;
                }

                break;
            case "approval.resolved":
                var resolved = JsonSerializer.Deserialize<ApprovalResolvedEvent>(data, WireJson.Options) ?? throw new JsonException("An empty approval decision.");
                if (_decided.Add(resolved.ApprovalId))
                {
                    _requests.TryGetValue(resolved.ApprovalId, out var decided);
                    _requests.Remove(resolved.ApprovalId);
                    _history.Insert(0, new DecidedApproval(decided, resolved));
                    if (_history.Count > MaxHistory)
                    {
                        _history.RemoveAt(_history.Count - 1);
                    }
                }

                break;
        }
    }
}

/// <summary>A person's decision on a request: <c>approve</c>, <c>reject</c> or <c>modify</c> (with the <see cref="Inputs"/> the step runs with).</summary>
public sealed record ApprovalChoice(string ApprovalId, string Decision, string? Comment, Dictionary<string, JsonElement>? Inputs)
{
    /// <summary>The request body of the decision.</summary>
    public ApprovalDecisionBody Body => new(Comment, Inputs);
}
