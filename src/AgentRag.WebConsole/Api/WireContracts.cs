using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRag.WebConsole.Api;

// The console's view of the server's wire format (camelCase JSON, snake_case enum values). The server's records live in
// assemblies that do not run in the browser (they carry the storage, model and agent stacks), so the console declares
// the members it reads; the server's integration tests decode the real server's streams with these records
// (ConsoleContractTests). Enum values are kept as strings: a value the console does not know still shows.

/// <summary>What <c>GET /v1/auth/status</c> says about the server's mode and the caller.</summary>
public sealed record AuthStatus(string Mode, bool Authenticated, string? Tenant, string? Role, string? Caller)
{
    /// <summary>True when the caller may use the admin pages (admin or platform-admin).</summary>
    public bool IsAdmin => Role is "admin" or "platform-admin";
}

/// <summary>A verified citation of an answer (the server's <c>Citation</c>).</summary>
public sealed record Citation
{
    public int Number { get; init; }

    public string Display { get; init; } = "";

    public string DocumentId { get; init; } = "";

    public string DocumentName { get; init; } = "";

    public string ChunkId { get; init; } = "";

    public IReadOnlyList<int> Pages { get; init; } = [];

    public int? Page { get; init; }

    public string HeadingPath { get; init; } = "";

    public string Quote { get; init; } = "";

    public SourceSpan? QuoteSpan { get; init; }

    public double Support { get; init; }
}

/// <summary>Where a quote is in a page's stored text: the page and the character range [Start, End).</summary>
public readonly record struct SourceSpan(int Page, int Start, int End);

/// <summary>A step of a plan as the <c>plan</c> event lists it.</summary>
public sealed record PlanStep(string Id, string Agent, IReadOnlyList<string>? DependsOn);

/// <summary><c>plan</c>.</summary>
public sealed record PlanEvent(string WorkflowId, string Planner, string Explanation, IReadOnlyList<PlanStep> Steps, IReadOnlyList<string>? Warnings);

/// <summary><c>step.started</c>.</summary>
public sealed record StepStartedEvent(string StepId, string Agent, int Attempt, bool Fallback, bool Resumed);

/// <summary>A warning a running step reports.</summary>
public sealed record StepWarning(string Kind, string Message);

/// <summary><c>step.progress</c>.</summary>
public sealed record StepProgressEvent(string StepId, string Agent, int Attempt, string Message, StepWarning? Warning);

/// <summary><c>step.completed</c>.</summary>
public sealed record StepCompletedEvent(string StepId, string Agent, int Attempt, bool Fallback, double? DurationMs, string Summary, IReadOnlyList<string>? Warnings);

/// <summary><c>step.failed</c>; <see cref="Action"/> is <c>continue</c>, <c>fallback</c> or <c>fail</c>.</summary>
public sealed record StepFailedEvent(string StepId, string Agent, int Attempt, string Error, bool TimedOut, string Requirement, string Action);

/// <summary><c>token</c>.</summary>
public sealed record TokenEvent(string StepId, string Agent, int Attempt, string Text);

/// <summary><c>token.reset</c>: the step's tokens sent before are void.</summary>
public sealed record TokenResetEvent(string StepId, string Agent, int Attempt, string Cause, string Reason);

/// <summary><c>citations</c>.</summary>
public sealed record CitationsEvent(string WorkflowId, IReadOnlyList<Citation> Citations, double? CitationSupportRate);

/// <summary><c>done</c>: the final answer.</summary>
public sealed record DoneEvent(
    string Answer,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<string> Warnings,
    string WorkflowId,
    string Mode,
    double? CitationSupportRate,
    int Confidence,
    bool Declined,
    IReadOnlyList<string>? FollowUps);

/// <summary><c>error</c>: the workflow ended without an answer.</summary>
public sealed record ErrorEvent(string WorkflowId, string Code, string Message, string? StepId, string? Agent);

/// <summary>
/// <c>approval.required</c> (and <c>approval.expiring</c>, <c>approval.escalated</c>): what the step will do
/// (<see cref="Action"/>), why (<see cref="Rationale"/>), what each decision leads to (<see cref="Impact"/>), the risk and
/// the workflow's suggested decision, and when the timeout applies.
/// </summary>
public sealed record ApprovalRequestEvent(
    string ApprovalId,
    string WorkflowId,
    string StepId,
    string Agent,
    string Action,
    string Rationale,
    DateTimeOffset ExpiresAt,
    string Status = "pending",
    IReadOnlyList<string>? Reasons = null,
    string Impact = "",
    string Risk = "",
    string SuggestedDecision = "",
    string SuggestionReason = "",
    DateTimeOffset? CreatedAt = null,
    int Escalations = 0);

/// <summary><c>approval.resolved</c>: the decision (<c>approve</c>, <c>modify</c>, <c>reject</c>, <c>expire</c>) and the request's new status.</summary>
public sealed record ApprovalResolvedEvent(
    string ApprovalId, string WorkflowId, string StepId, string Status, string? DecidedBy, string? Comment, string? Decision = null, DateTimeOffset? DecidedAt = null);

/// <summary>
/// A document event (<c>progress</c>, <c>ready</c>, <c>failed</c>, then the semantic stage's <c>embedding</c> and
/// <c>embedded</c> with <see cref="EmbeddedChunks"/> of <see cref="ChunkCount"/>).
/// </summary>
public sealed record DocumentEvent(
    string DocumentId, string Status, string Stage, int Progress, string? Message, string? Error, int Attempt,
    int ChunkCount = 0, int EmbeddedChunks = 0, string? EmbeddingModel = null);

/// <summary>A document as <c>/v1/documents</c> lists it.</summary>
public sealed record DocumentSummary
{
    public string Id { get; init; } = "";

    public string FileName { get; init; } = "";

    public string ContentType { get; init; } = "";

    public long SizeBytes { get; init; }

    public string Status { get; init; } = "";

    public string Stage { get; init; } = "";

    public int Progress { get; init; }

    public string? ProgressMessage { get; init; }

    public int PageCount { get; init; }

    public int ChunkCount { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>How many chunks have a vector of <see cref="EmbeddingModel"/> (the semantic stage after ready).</summary>
    public int EmbeddedChunks { get; init; }

    /// <summary>The embedding model of the document's vectors; null when it has none (keyword search only).</summary>
    public string? EmbeddingModel { get; init; }

    public string Sha256 { get; init; } = "";

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public DocumentMetadata Metadata { get; init; } = new();

    public int Attempts { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? ReadyAt { get; init; }
}

/// <summary>One page of <c>GET /v1/documents</c>.</summary>
public sealed record DocumentList(IReadOnlyList<DocumentSummary> Items, int Total, int Offset, int Limit);

/// <summary>A file the upload accepted.</summary>
public sealed record AcceptedDocument(string Id, string FileName, string Status, bool Duplicate);

/// <summary>A file the upload refused.</summary>
public sealed record RejectedFile(string FileName, int Status, string Detail);

/// <summary>The answer of <c>POST /v1/documents</c>.</summary>
public sealed record UploadResponse(IReadOnlyList<AcceptedDocument> Documents, IReadOnlyList<RejectedFile> Rejected);

/// <summary>A cited passage with the sentences around it (<c>GET /v1/documents/{id}/passage</c>).</summary>
public sealed record PassageContext(
    string DocumentId,
    string DocumentName,
    int Page,
    int PageCount,
    string Before,
    string Quote,
    string After,
    bool QuoteLocated,
    string OriginalUrl);

/// <summary>An RFC 9457 problem as the server sends it.</summary>
public sealed record Problem(string? Title, string? Detail, int? Status);

// --- Chat history, feedback and the document page (issue 19 part B) ---

/// <summary>Metadata a document's file states about itself; null where it does not say.</summary>
public sealed record DocumentMetadata(string? Title = null, string? Author = null, DateTimeOffset? CreatedAt = null, string? Language = null);

/// <summary>A chunk of a document as <c>GET /v1/documents/{id}/chunks</c> lists it.</summary>
public sealed record DocumentChunk(string Id, int Ordinal, string Text, int TokenCount, IReadOnlyList<int> Pages, string HeadingPath);

/// <summary>A conversation as <c>GET /v1/sessions</c> lists it.</summary>
public sealed record SessionSummary(
    string Id, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, int TurnCount, string FirstQuestion, string LastQuestion);

/// <summary>One page of <c>GET /v1/sessions</c>.</summary>
public sealed record SessionList(IReadOnlyList<SessionSummary> Items, int Total, int Offset, int Limit);

/// <summary>One turn of a conversation: the question, the workflow that answered it, and its answer (null if none).</summary>
public sealed record SessionTurn(int Number, string Question, string Query, string WorkflowId, string? Answer, DateTimeOffset AskedAt);

/// <summary>A conversation with its kept turns (<c>GET /v1/sessions/{id}</c>).</summary>
public sealed record SessionDetail(string SessionId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, IReadOnlyList<SessionTurn> Turns);

/// <summary>The parts of a query's workflow (<c>GET /v1/queries/{id}</c>) a reopened turn shows: its status and answer.</summary>
public sealed record QueryState(string WorkflowId, string Status, DoneEvent? Answer, string? Error);

/// <summary>Feedback stored on an answer (<c>POST /v1/queries/{id}/feedback</c>): <c>up</c> or <c>down</c>.</summary>
public sealed record AnswerFeedback(string WorkflowId, string Rating, string? Comment);

/// <summary>The JSON settings of the server's wire format.</summary>
public static class WireJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}


// ---- Approvals inbox and admin pages (issue 19 part A) ----

/// <summary>A request for approval as <c>GET /v1/approvals/{id}</c> returns it: the event's members plus what the approver needs (the context and the step's inputs).</summary>
public sealed record ApprovalDetails
{
    public string Id { get; init; } = "";

    public string Status { get; init; } = "";

    /// <summary>The query, the plan and the retrieved sources (a JSON object).</summary>
    public JsonElement Context { get; init; }

    /// <summary>The step's inputs as planned (a JSON object); <c>modify</c> replaces some of them.</summary>
    public JsonElement Inputs { get; init; }
}

/// <summary>A decision's body (<c>POST /v1/approvals/{id}/approve|reject|modify</c>).</summary>
public sealed record ApprovalDecisionBody(string? Comment, Dictionary<string, JsonElement>? Inputs);

/// <summary>An API key's public record (<c>GET /v1/keys</c>; never the secret).</summary>
public sealed record ApiKeyInfo(
    string Id, string Tenant, string Name, string Role, bool PlatformAdmin, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>A key to create (<c>POST /v1/keys</c>).</summary>
public sealed record CreateApiKeyBody(string Role, string? Name, int? ExpiresInDays);

/// <summary>A created key: <see cref="Key"/> is in this answer only.</summary>
public sealed record CreatedApiKey(string Id, string Key, string Tenant, string Role, bool PlatformAdmin, DateTimeOffset? ExpiresAt);

/// <summary>One audited act (<c>GET /v1/audit</c>).</summary>
public sealed record AuditEntryInfo(
    long Id, DateTimeOffset At, string? TenantId, string Actor, string? Role, string Action, string? Target, string Outcome, int? Status,
    string? ClientIp, string? TraceId, string? Detail);

/// <summary>One page of the audit log, oldest first; <see cref="Next"/> is the <c>after</c> of the next page (null on the last).</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntryInfo> Entries, long? Next);

/// <summary>The audit log's filters (<c>GET /v1/audit</c>'s query string); blank members do not filter.</summary>
public sealed record AuditFilter(string? From = null, string? To = null, string? Actor = null, string? Action = null, long? After = null, int Limit = 100);

/// <summary>Measured use of a prompt version.</summary>
public sealed record PromptUsageMetrics(long Calls, long FailedCalls, double AverageLatencyMs, long InputTokens, long OutputTokens, decimal CostUsd);

/// <summary>Answer quality of a prompt version: workflows, citation support, feedback.</summary>
public sealed record PromptQualityMetrics(
    long Workflows, long RatedWorkflows, double? CitationSupportRate, long FeedbackCount, long FeedbackUp, long FeedbackDown, double? FeedbackScore);

/// <summary>One version of an agent's prompt with its A/B share and metrics (<c>GET /v1/prompts</c>).</summary>
public sealed record PromptVersionInfo(
    string Version, string Profile, float? Temperature, int? MaxTokens, DateOnly Date, int Weight, double Share, IReadOnlyList<string> Placeholders,
    string Changes, string? Evaluation, PromptUsageMetrics? Metrics, PromptQualityMetrics? Quality);

/// <summary>An agent's prompt and its versions.</summary>
public sealed record PromptInfo(string Id, IReadOnlyList<PromptVersionInfo> Versions);

/// <summary>One check of a health report.</summary>
public sealed record HealthCheckInfo(string Status, string? Description, double DurationMs);

/// <summary>A health probe's report (<c>/health/live</c>, <c>/health/ready</c>, <c>/health/startup</c>).</summary>
public sealed record HealthReport(string Status, IReadOnlyDictionary<string, HealthCheckInfo> Checks);

/// <summary>
/// The chat's search filters (the query request's <c>filters</c>): documents by id, a date range (<see cref="After"/>
/// inclusive, <see cref="Before"/> exclusive, as <c>yyyy-MM-dd</c>) and a language prefix. Null members do not restrict.
/// </summary>
public sealed record ChatFilters(IReadOnlyList<string>? Documents = null, string? After = null, string? Before = null, string? Language = null)
{
    [JsonIgnore]
    public bool IsEmpty => Documents is not { Count: > 0 } && After is null && Before is null && Language is null;
}

/// <summary>A share link as created: its token is shown once; <see cref="Path"/> is the console's page for it.</summary>
public sealed record CreatedShare(string Id, string WorkflowId, string Token, string Path, DateTimeOffset ExpiresAt);

/// <summary>A share link's record, as an admin lists it (<see cref="State"/>: active, expired or revoked).</summary>
public sealed record ShareLinkSummary(string Id, string WorkflowId, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, string State);

public sealed record ShareLinkList(IReadOnlyList<ShareLinkSummary> Items);

/// <summary>What a share token opens (<c>GET /v1/shared/{token}</c>): one question and its cited answer.</summary>
public sealed record SharedAnswer(
    string Question, string Answer, IReadOnlyList<Citation> Citations, IReadOnlyList<string> Warnings, string Mode, DateTimeOffset? AnsweredAt, DateTimeOffset ExpiresAt);

/// <summary>The tenant's branding; null members keep the console's defaults.</summary>
public sealed record Branding(string? ProductName, string? PrimaryColor, string? AccentColor, string? LogoUrl, DateTimeOffset? UpdatedAt)
{
    public static Branding Default { get; } = new(null, null, null, null, null);

    /// <summary>The name the console shows in its header and window titles.</summary>
    public string Name => string.IsNullOrWhiteSpace(ProductName) ? "AgentRag" : ProductName;
}
