using AgentRag.Agents.Workflows;
using AgentRag.Core.Actors;
using AgentRag.Mcp.Tools;

namespace AgentRag.Hosting;

/// <summary>
/// The MCP <c>ask</c> tool's backend: runs the full query workflow (plan, retrieval, synthesis, citation) to its end
/// and maps the answer onto the MCP result. Starts the actor runtime on first use (idempotent), so it also works under
/// <c>agentrag mcp</c>, which runs no hosted services.
/// </summary>
internal sealed class WorkflowAskService(WorkflowService workflows, IActorRuntime actorRuntime) : IAskService
{
    public async Task<AskAnswer> AskAsync(string tenantId, string question, CancellationToken cancellationToken = default)
    {
        await actorRuntime.StartAsync(cancellationToken);
        WorkflowState state;
        try
        {
            state = await workflows.RunAsync(tenantId, new QueryRequest(question), cancellationToken: cancellationToken);
        }
        catch (QueryRejectedException ex)
        {
            throw new ToolException(ex.Message, ToolErrorKind.Failed);
        }

        if (state.Status != WorkflowStatus.Completed || state.Answer is not { } answer)
        {
            throw new ToolException(
                $"The question could not be answered ({state.Status.ToString().ToLowerInvariant()}): {state.Error ?? "no answer was produced."}",
                ToolErrorKind.Failed);
        }

        return new AskAnswer(
            answer.Answer,
            [.. answer.Citations.Select(c => new AskCitation(c.Number, c.DocumentId, c.DocumentName, c.ChunkId, c.Pages, c.HeadingPath, c.Quote))],
            answer.Mode == Agents.AnswerMode.Extractive,
            answer.Warnings,
            state.WorkflowId);
    }
}
