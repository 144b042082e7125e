using AgentRag.Core;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Files;
using AgentRag.TestKit;
using AgentRag.TestKit.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Ingestion.Tests.Contracts;

/// <summary>The ingestion queue's contract suite against the embedded queue, over the embedded storage backend.</summary>
public sealed class InProcessIngestionQueueContractTests : IngestionQueueContract, IDisposable
{
    private readonly TempDirectory _data = new("agentrag-contract");

    protected override void AddBackend(IServiceCollection services)
    {
        services.AddLogging();
        services.AddSingleton(new DataFolder(_data.Path));
        services.AddSqliteStorage(_data.Path).AddDataFolderFiles();
        services.AddSingleton<IIngestionQueue, InProcessIngestionQueue>();
    }

    public void Dispose() => _data.Dispose();
}
