using AgentRag.Core.Documents;
using AgentRag.Core;
using AgentRag.Hosting;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Retrieval.Search;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Tests.EndToEnd;

/// <summary>
/// The product's composition root (<see cref="Hosting.DependencyInjection.AddAgentRag"/>) over a data
/// folder, configured in memory (e.g. <c>OPENAI_BASE_URL</c> and <c>AGENTRAG_EMBEDDING_MODEL</c> pointing at a loopback
/// server), on a manual clock, validated as at startup. Dispose to release the folder's files (the folder stays).
/// </summary>
public sealed class ProductHarness : IAsyncDisposable
{
    private ProductHarness(ServiceProvider services, ManualTimeProvider clock)
    {
        Services = services;
        Clock = clock;
    }

    public ServiceProvider Services { get; }

    public ManualTimeProvider Clock { get; }

    public SearchService Search => Services.GetRequiredService<SearchService>();

    public DocumentIngestionService Ingestion => Services.GetRequiredService<DocumentIngestionService>();

    public static ProductHarness Start(string dataDirectory, IReadOnlyDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(settings) { ["AgentRag:Prompts:Directory"] = Path.Combine(SharedPaths.RepositoryRoot, "prompts") };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(EmbeddingTestSettings.Apply(all)).Build();
        var clock = new ManualTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddAgentRag(backends => backends.UseSqlite(new DataFolder(dataDirectory)).UseEmbeddedRuntime());
        services.AddSingleton<TimeProvider>(clock);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return new ProductHarness(provider, clock);
    }

    public DocumentEmbeddingService Embedding => Services.GetRequiredService<DocumentEmbeddingService>();

    /// <summary>
    /// Submits a text file, runs the pipeline to ready and then (as <c>agentrag ingest</c> does unless <c>--no-wait</c>)
    /// the semantic stage; returns the final document and every event it went through, in order.
    /// </summary>
    public async Task<(Document Document, IReadOnlyList<IngestionEvent> Events)> IngestTextAsync(string tenantId, string fileName, string text)
    {
        var hub = Services.GetRequiredService<IngestionEventHub>();
        using var subscription = hub.Subscribe();
        var submitted = await Ingestion.SubmitAsync(tenantId, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), fileName);
        var document = await Ingestion.ProcessAsync(tenantId, submitted.Document.Id);
        if (document is { Status: DocumentStatus.Ready })
        {
            document = await Embedding.EmbedAsync(tenantId, document.Id);
        }

        subscription.Dispose();
        var events = new List<IngestionEvent>();
        await foreach (var e in subscription.ReadAllAsync())
        {
            events.Add(e);
        }

        return (document!, events);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
