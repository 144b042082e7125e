using AgentRag.Core.Search;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Vectors;
using AgentRag.TestKit;
using AgentRag.TestKit.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Retrieval.Tests.Contracts;

// The index ports' contract suites (tests/AgentRag.TestKit/Contracts) run against the embedded implementations: the
// BM25 and vector catalogs over index files in a fresh data folder.

public sealed class Bm25IndexCatalogContractTests : KeywordIndexContract, IDisposable
{
    private readonly TempDirectory _data = new("agentrag-contract");

    protected override void AddBackend(IServiceCollection services) =>
        services.AddSingleton<IKeywordIndex>(_ => new Bm25IndexCatalog(_data.Path, new Bm25Options()));

    public void Dispose() => _data.Dispose();
}

public sealed class VectorIndexCatalogContractTests : VectorStoreContract, IDisposable
{
    private readonly TempDirectory _data = new("agentrag-contract");

    protected override void AddBackend(IServiceCollection services) =>
        services.AddSingleton<IVectorStore>(_ => new VectorIndexCatalog(_data.Path, new VectorIndexOptions()));

    public void Dispose() => _data.Dispose();
}
