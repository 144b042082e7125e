using AgentRag.Retrieval.Query;

namespace AgentRag.Agents.Workflows;

/// <summary>How a query may be answered.</summary>
public enum QueryMode
{
    /// <summary>With the chat model when one is configured, else extractive.</summary>
    Auto,

    /// <summary>Without any model: extractive answers, rule-based planning.</summary>
    Extractive,

    /// <summary>With the chat model; refused when none is configured.</summary>
    Model,
}

/// <summary>A question to answer.</summary>
/// <param name="Query">The question, 1 to <see cref="AgentsOptions.MaxQueryLength"/> characters.</param>
/// <param name="Filters">Restricts retrieval (documents, dates, language).</param>
/// <param name="Mode">Whether a model may be used.</param>
public sealed record QueryRequest(string Query, SearchFilters? Filters = null, QueryMode Mode = QueryMode.Auto)
{
    /// <summary>The conversation this question belongs to (attribution, budgets and follow-up resolution).</summary>
    public string? SessionId { get; init; }

    /// <summary>
    /// An explicit chat model choice: a profile name (<c>cheap</c>, <c>primary</c>, …) or a configured profile's model id,
    /// overriding the router. Null (or <c>agentrag</c>) lets the router decide.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>
    /// The question as the user typed it, when <see cref="Query"/> is a standalone rewrite of a follow-up (e.g. "and its
    /// defaults?" after a question about read.table); null when they are the same.
    /// </summary>
    public string? OriginalQuery { get; init; }
    /// <summary>A gate the query asks for: <see cref="Approvals.ApprovalCheckpoint.BeforeAnswer"/> puts the answer behind a person's approval.</summary>
    public Approvals.ApprovalCheckpoint Approval { get; init; }
}

/// <summary>A query that cannot be run; <see cref="Exception.Message"/> says why, naming the field.</summary>
public sealed class QueryRejectedException(string field, string message) : Exception(message)
{
    /// <summary>The request field at fault (<c>query</c>, <c>mode</c>, <c>filters</c>).</summary>
    public string Field { get; } = field;
}
