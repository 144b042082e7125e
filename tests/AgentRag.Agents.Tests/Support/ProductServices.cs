using AgentRag.Core;
using AgentRag.Hosting;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Runtime.Embedded;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Support;

/// <summary>
/// The product's services over a data folder: the same composition root as the server and CLI
/// (<see cref="Hosting.DependencyInjection.AddAgentRag"/> over SQLite and the embedded runtime), configured in memory, with real corpus documents
/// ingested (and embedded, when an embedding model is configured) for the default tenant and the actor host started.
/// </summary>
public static class ProductServices
{
    /// <summary>Builds the services, ingests <paramref name="corpusFiles"/> (names in <c>../shared/corpus</c>) and starts the actor host.</summary>
    /// <exception cref="InvalidOperationException">A file did not ingest; the message names it and the reason.</exception>
    public static Task<ServiceProvider> StartAsync(string dataPath, IReadOnlyDictionary<string, string?> settings, IReadOnlyList<string> corpusFiles) =>
        StartWithFilesAsync(dataPath, settings, [.. corpusFiles.Select(SharedPaths.CorpusFile)]);

    /// <summary>Builds the services, ingests the files at <paramref name="paths"/> and starts the actor host.</summary>
    /// <exception cref="InvalidOperationException">A file did not ingest; the message names it and the reason.</exception>
    public static async Task<ServiceProvider> StartWithFilesAsync(string dataPath, IReadOnlyDictionary<string, string?> settings, IReadOnlyList<string> paths)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(EmbeddingTestSettings.Apply(settings)).Build());
        services.AddAgentRag(backends => backends.UseSqlite(new DataFolder(dataPath)).UseEmbeddedRuntime());
        var provider = services.BuildServiceProvider();
        try
        {
            var ingestion = provider.GetRequiredService<DocumentIngestionService>();
            foreach (var file in paths)
            {
                var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, file);
                var document = await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id);
                if (document?.Status != Core.Documents.DocumentStatus.Ready)
                {
                    throw new InvalidOperationException($"{file} did not ingest: {document?.Error}");
                }

                // With an embedding model, the semantic stage that follows ready (run in the background by the server's
                // EmbeddingWorker, which this provider does not start) runs here, so the vectors exist before the tests ask.
                var embedding = provider.GetRequiredService<DocumentEmbeddingService>();
                if (embedding.IsEnabled && await embedding.EmbedAsync(Tenancy.DefaultTenant, document.Id) is { } embedded && !embedded.IsEmbeddedWith(embedding.Model!))
                {
                    throw new InvalidOperationException($"{file} was not embedded: {embedded.EmbeddedChunks}/{embedded.ChunkCount} chunks.");
                }
            }

            await provider.GetRequiredService<EmbeddedActorHost>().StartAsync(CancellationToken.None);
            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }
}
