using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Extraction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Ingestion.Tests;

/// <summary>The extraction services as the application wires them, for tests.</summary>
internal static class ExtractionServices
{
    public static ServiceProvider Create(Action<DocumentExtractionOptions>? extraction = null, Action<ChunkingOptions>? chunking = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddDocumentExtraction(extraction, chunking);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static DocumentExtractorRegistry Registry(Action<DocumentExtractionOptions>? extraction = null) =>
        Create(extraction).GetRequiredService<DocumentExtractorRegistry>();
}
