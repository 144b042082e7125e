using AgentRag.Core;
using AgentRag.Core.Storage;
using AgentRag.Retrieval.Search;

namespace AgentRag.Mcp.Tools;

/// <summary>
/// Creates the platform's own tools for a tenant. A tool is offered only when it can work: <c>vector_search</c> needs
/// dense retrieval (an embedding provider), <c>rerank</c> a registered <see cref="IReranker"/>, and <c>ask</c> a
/// registered <see cref="IAskService"/>. The <c>calculator</c> is always offered. Thread-safe; each call returns new, tenant-bound instances.
/// </summary>
public sealed class BuiltInTools(SearchService search, IDocumentStore store, IEnumerable<IReranker> rerankers, IEnumerable<IAskService> askServices)
{
    private readonly IReranker? _reranker = rerankers.FirstOrDefault();
    private readonly IAskService? _ask = askServices.FirstOrDefault();

    /// <summary>The tools for <paramref name="tenantId"/>. Throws <see cref="ArgumentException"/> for a malformed tenant id.</summary>
    public IReadOnlyList<BuiltInTool> Create(string tenantId)
    {
        Tenancy.ThrowIfInvalid(tenantId);

        List<BuiltInTool> tools = [SearchTool.Hybrid(tenantId, search), SearchTool.Keyword(tenantId, search)];
        if (search.HasDenseRetrieval)
        {
            tools.Add(SearchTool.Vector(tenantId, search));
        }

        if (_reranker is not null)
        {
            tools.Add(new RerankTool(tenantId, _reranker));
        }

        if (_ask is not null)
        {
            tools.Add(new AskTool(tenantId, _ask));
        }

        tools.Add(new ListDocumentsTool(tenantId, store));
        tools.Add(new GetDocumentTool(tenantId, store));
        tools.Add(new GetChunkTool(tenantId, store));
        tools.Add(new CalculatorTool(tenantId));
        return tools;
    }
}
