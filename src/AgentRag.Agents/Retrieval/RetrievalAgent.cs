using AgentRag.Agents.Plans;

namespace AgentRag.Agents.Retrieval;

/// <summary>The <c>retrieval</c> agent: the top passages for its query, through the configured <see cref="IPassageRetriever"/>.</summary>
public sealed class RetrievalAgent(IPassageRetriever retriever) : IAgent
{
    public AgentDescriptor Descriptor { get; } = new(
        AgentNames.Retrieval,
        "Finds the passages of the user's documents that best match a query.",
        new InputSchema(
            new InputProperty("query", InputType.String, "What to search for.", Required: true, MaxLength: 4000),
            new InputProperty("k", InputType.Integer, "How many passages to return.", Minimum: 1, Maximum: 100),
            new InputProperty("entity", InputType.String, "In a comparison, the thing this lookup is about.", MaxLength: 500)),
        new AgentCostProfile(LocalLatencyMs: 5));

    public async Task<StepOutput> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var query = context.GetString("query") ?? context.Query;
        var k = context.GetInt32("k", 8);
        var passages = await retriever.RetrieveAsync(context.TenantId, query, k, context.Filters, cancellationToken);
        var result = new RetrievalResult(query, context.GetString("entity"), passages);
        return StepOutput.Create(result, Summarize(passages));
    }

    internal static string Summarize(IReadOnlyList<RetrievedPassage> passages) => passages.Count == 0
        ? "No passage matched."
        : $"{passages.Count} passage{(passages.Count == 1 ? "" : "s")} from {passages.Select(p => p.DocumentId).Distinct().Count()} document(s); best: {passages[0].DocumentName}{(passages[0].Pages.Count > 0 ? $" p. {passages[0].Pages[0]}" : "")}.";
}
