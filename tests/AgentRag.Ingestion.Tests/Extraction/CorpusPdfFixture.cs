using AgentRag.Core.Documents;
using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Ingestion.Tests.Extraction;

/// <summary>R-intro.pdf extracted and chunked once for the tests that read it.</summary>
public sealed class RIntroFixture : IAsyncLifetime
{
    public const string DocumentId = "doc_rintro";

    public ExtractedDocument Document { get; private set; } = null!;

    public IReadOnlyList<Chunk> Chunks { get; private set; } = [];

    public List<ExtractionProgress> Progress { get; } = [];

    public string PageText(int number) => Document.Pages.Single(p => p.Number == number).Text;

    public async Task InitializeAsync()
    {
        using var services = ExtractionServices.Create();
        var progress = new SynchronousProgress<ExtractionProgress>(Progress.Add);
        Document = await services.GetRequiredService<DocumentExtractorRegistry>().ExtractAsync(SharedPaths.CorpusFile("R-intro.pdf"), progress: progress);
        Chunks = services.GetRequiredService<Chunker>().Chunk(DocumentId, "default", Document);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Progress&lt;T&gt; posts, so tests would race).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate)
        {
            report(value);
        }
    }
}
