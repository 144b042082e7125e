using System.Text.Json;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Keyword;
using AgentRag.TestKit;
using Xunit.Abstractions;

namespace AgentRag.Retrieval.Tests.Evaluation;

public sealed class SciFactBm25Tests(ITestOutputHelper output)
{
    [Fact]
    public async Task EvaluateAsync_SciFactTestBm25_ReachesAnseriniQuality()
    {
        var report = await new BeirEvaluator().EvaluateAsync(new BeirEvaluationRequest { DatasetDirectory = SharedPaths.SciFact });
        output.WriteLine(JsonSerializer.Serialize(report));

        report.Dataset.ShouldBe("scifact");
        report.Queries.ShouldBe(300);
        report.Documents.ShouldBe(5183);
        report.Ndcg10.ShouldBeGreaterThanOrEqualTo(0.670);
        report.Recall100.ShouldBeGreaterThan(0.85);
        report.PerQuery.Count.ShouldBe(300);
    }
}
