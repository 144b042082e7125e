namespace AgentRag.Mcp.Tools;

/// <summary>
/// Answers a question over a tenant's documents with the full workflow (plan, retrieve, synthesize, cite). The
/// <c>ask</c> tool is offered only when an implementation is registered; the orchestration provides it.
/// </summary>
public interface IAskService
{
    /// <summary>
    /// Runs the workflow to completion and returns its answer. Throws <see cref="ToolException"/> for failures the caller
    /// should see (e.g. <see cref="ToolErrorKind.Unavailable"/> when the workflow cannot run, or
    /// <see cref="ToolErrorKind.Failed"/> when it failed, with the reason) and <see cref="OperationCanceledException"/>
    /// when cancelled. Thread-safe.
    /// </summary>
    Task<AskAnswer> AskAsync(string tenantId, string question, CancellationToken cancellationToken = default);
}

/// <summary>A finished answer with the passages it cites.</summary>
/// <param name="Answer">The answer text, with <c>[n]</c> markers referring to <see cref="Citations"/>.</param>
/// <param name="Citations">The cited passages, by marker number.</param>
/// <param name="Extractive">True when no model wrote the answer: it is stitched from retrieved sentences.</param>
/// <param name="Warnings">Degradations the reader should know about (an optional step failed, …).</param>
/// <param name="WorkflowId">The workflow that produced it, for its event stream and audit.</param>
public sealed record AskAnswer(string Answer, IReadOnlyList<AskCitation> Citations, bool Extractive, IReadOnlyList<string> Warnings, string? WorkflowId);

/// <summary>One cited passage.</summary>
/// <param name="Number">The <c>[n]</c> marker in the answer.</param>
/// <param name="Quote">The passage text that supports the claim.</param>
public sealed record AskCitation(int Number, string DocumentId, string DocumentName, string ChunkId, IReadOnlyList<int> Pages, string HeadingPath, string Quote)
{
    /// <summary>The chunk's MCP resource.</summary>
    public string Uri => ResourceUris.Chunk(DocumentId, ChunkId);
}
