using System.Diagnostics;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Retrieval.Search;
using AgentRag.Retrieval.Tests.EndToEnd;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgentRag.Retrieval.Tests.Fuzz;

/// <summary>
/// The mutation corpus (<see cref="MutationCorpus"/>) and the committed regression inputs (<c>Fuzz/regressions/</c>)
/// go through the whole ingestion pipeline of the product, beside healthy documents. Each input must be refused at
/// submission or end <c>ready</c> or <c>failed</c> with an error, within 30 seconds and without growing the process's
/// peak working set by 1 GB; the healthy documents must stay ready and be found exactly as before.
/// </summary>
public sealed class ExtractionFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "fuzz";
    private static readonly TimeSpan PerFileLimit = TimeSpan.FromSeconds(30);
    private const long PeakGrowthLimit = 1024L * 1024 * 1024;

    public static readonly string RegressionsDirectory = Path.Combine(SharedPaths.RepositoryRoot, "tests", "AgentRag.Retrieval.Tests", "Fuzz", "regressions");

    private readonly TempDirectory _data = new("agentrag-fuzz");

    public void Dispose() => _data.Dispose();

    public static TheoryData<string> Formats() => [.. MutationCorpus.Formats];

    public static TheoryData<string> Regressions() =>
        [.. Directory.EnumerateFiles(RegressionsDirectory).Where(f => Path.GetFileName(f) != "README.md").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Ingest_MutatedFiles_EndReadyOrFailedAndLeaveNeighboursIntact(string format)
    {
        var seed = FuzzSeeds.Mutations(format);
        var (fileName, original) = MutationCorpus.Original(format);
        await using var product = ProductHarness.Start(_data.Path, new Dictionary<string, string?>());
        var neighbours = await IngestNeighboursAsync(product);
        var before = await SearchNeighboursAsync(product);

        // The original must ingest: a fuzz run that refuses everything proves nothing.
        (await IngestAsync(product, new Mutant(fileName, original))).ShouldBe("ready", $"the unmutated {fileName}");
        var outcomes = new List<string>();
        foreach (var mutant in MutationCorpus.Generate(format, seed))
        {
            outcomes.Add($"{mutant}: {await IngestAsync(product, mutant, $"seed {seed} (AGENTRAG_FUZZ_SEED={FuzzSeeds.Base}), {mutant}")}");
        }

        await AssertNeighboursIntactAsync(product, neighbours, before);
        outcomes.ForEach(output.WriteLine);
        outcomes.Count.ShouldBeGreaterThanOrEqualTo(7);
    }

    [Theory]
    [MemberData(nameof(Regressions))]
    public async Task Ingest_RegressionInput_EndsReadyOrFailedAndLeavesNeighboursIntact(string fileName)
    {
        await using var product = ProductHarness.Start(_data.Path, new Dictionary<string, string?>());
        var neighbours = await IngestNeighboursAsync(product);
        var before = await SearchNeighboursAsync(product);

        await IngestAsync(product, new Mutant(fileName, await File.ReadAllBytesAsync(Path.Combine(RegressionsDirectory, fileName))));

        await AssertNeighboursIntactAsync(product, neighbours, before);
    }

    /// <summary>Submits and processes one input; returns "refused", "ready" or "failed" after checking the contract.</summary>
    private static async Task<string> IngestAsync(ProductHarness product, Mutant mutant, string? context = null)
    {
        context ??= mutant.ToString();
        var peakBefore = PeakWorkingSet();
        var clock = Stopwatch.StartNew();
        string outcome;
        try
        {
            var submitted = await product.Ingestion.SubmitAsync(Tenant, new MemoryStream(mutant.Bytes), mutant.Name).WaitAsync(PerFileLimit);
            if (submitted.AlreadyExisted)
            {
                return "duplicate";
            }

            var document = (await product.Ingestion.ProcessAsync(Tenant, submitted.Document.Id).WaitAsync(PerFileLimit)).ShouldNotBeNull(context);
            document.Status.ShouldBeOneOf([DocumentStatus.Ready, DocumentStatus.Failed], context);
            if (document.Status == DocumentStatus.Failed)
            {
                document.Error.ShouldNotBeNullOrWhiteSpace(context);
                document.ChunkCount.ShouldBe(0, context);
            }

            outcome = document.Status == DocumentStatus.Ready ? "ready" : $"failed: {document.Error}";
        }
        catch (IngestionRejectedException e)
        {
            e.Message.ShouldNotBeNullOrWhiteSpace(context);
            outcome = $"refused: {e.Message}";
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"{context}: not finished within {PerFileLimit.TotalSeconds:N0} s.");
        }

        clock.Elapsed.ShouldBeLessThan(PerFileLimit, context);
        (PeakWorkingSet() - peakBefore).ShouldBeLessThan(PeakGrowthLimit, $"{context}: peak working set growth");
        return outcome.StartsWith("ready", StringComparison.Ordinal) ? "ready" : outcome;
    }

    private static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    private static readonly (string Name, string Text)[] NeighbourFiles =
    [
        ("neighbour-tables.txt", "The read.table function reads a file in table format and creates a zebrafish data frame from it."),
        ("neighbour-plots.txt", "Use the plot command to draw a zebrafish scatter plot of two numeric vectors."),
    ];

    private static async Task<IReadOnlyList<Document>> IngestNeighboursAsync(ProductHarness product)
    {
        var documents = new List<Document>();
        foreach (var (name, text) in NeighbourFiles)
        {
            var (document, _) = await product.IngestTextAsync(Tenant, name, text);
            document.Status.ShouldBe(DocumentStatus.Ready, document.Error);
            documents.Add(document);
        }

        return documents;
    }

    private static async Task<string[]> SearchNeighboursAsync(ProductHarness product)
    {
        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "zebrafish", Mode = SearchMode.Bm25 });
        return [.. response.Hits.Select(h => $"{h.DocumentId} {h.ChunkId} {h.Text}")];
    }

    private static async Task AssertNeighboursIntactAsync(ProductHarness product, IReadOnlyList<Document> neighbours, string[] before)
    {
        var store = product.Services.GetRequiredService<IDocumentStore>();
        foreach (var neighbour in neighbours)
        {
            var now = (await store.GetAsync(Tenant, neighbour.Id)).ShouldNotBeNull();
            now.Status.ShouldBe(DocumentStatus.Ready);
            now.ChunkCount.ShouldBe(neighbour.ChunkCount);
        }

        before.Length.ShouldBe(NeighbourFiles.Length);
        (await SearchNeighboursAsync(product)).ShouldBe(before);
    }
}
