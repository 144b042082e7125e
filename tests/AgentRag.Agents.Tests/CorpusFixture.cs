using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Workflows;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests;

/// <summary>
/// A data folder with every document of the shared corpus ingested once for the test collection, and the product's
/// services over it (the same composition root as the server and CLI), with the actor host started.
/// </summary>
public sealed class CorpusFixture : IAsyncLifetime
{
    /// <summary>The corpus files, in ordinal order: all of them, as a user who ingests the folder would have.</summary>
    public static readonly string[] Files = [.. Directory.GetFiles(SharedPaths.Corpus).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    private readonly TempDirectory _data = new("agentrag-agents-corpus");
    private ServiceProvider? _services;

    public IServiceProvider Services => _services!;

    public string DataPath => _data.Path;

    public WorkflowService Workflows => Services.GetRequiredService<WorkflowService>();

    public async Task InitializeAsync() => _services = await ProductServices.StartAsync(_data.Path, new Dictionary<string, string?>(), Files);

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        _data.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class CorpusCollection : ICollectionFixture<CorpusFixture>
{
    public const string Name = "corpus";
}
