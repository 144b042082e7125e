using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Extraction.Docx;
using AgentRag.Ingestion.Extraction.Html;
using AgentRag.Ingestion.Extraction.Markdown;
using AgentRag.Ingestion.Extraction.Pdf;
using AgentRag.Ingestion.Extraction.PlainText;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Ingestion.Extraction;

public static class DependencyInjection
{
    /// <summary>
    /// Registers content detection, the extractors, <see cref="DocumentExtractorRegistry"/> (the entry point) and the
    /// <see cref="Chunker"/>, with <see cref="DocumentExtractionOptions"/> and <see cref="ChunkingOptions"/> bound from
    /// their configuration sections and validated at startup.
    /// </summary>
    public static IServiceCollection AddDocumentExtraction(
        this IServiceCollection services,
        Action<DocumentExtractionOptions>? configureExtraction = null,
        Action<ChunkingOptions>? configureChunking = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var extraction = services.AddOptions<DocumentExtractionOptions>().BindConfiguration(DocumentExtractionOptions.SectionName);
        if (configureExtraction is not null)
        {
            extraction.Configure(configureExtraction);
        }

        extraction.ValidateDataAnnotations().ValidateOnStart();

        var chunking = services.AddOptions<ChunkingOptions>().BindConfiguration(ChunkingOptions.SectionName);
        if (configureChunking is not null)
        {
            chunking.Configure(configureChunking);
        }

        chunking.ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ContentTypeDetector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentExtractor, PdfExtractor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentExtractor, DocxExtractor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentExtractor, HtmlExtractor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentExtractor, MarkdownExtractor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDocumentExtractor, PlainTextExtractor>());
        services.TryAddSingleton<DocumentExtractorRegistry>();
        services.TryAddSingleton<PdfPageRenderer>();
        services.TryAddSingleton<Chunker>();
        return services;
    }
}
