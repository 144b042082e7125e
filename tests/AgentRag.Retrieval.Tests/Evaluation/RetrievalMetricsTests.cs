using AgentRag.Retrieval.Evaluation;

namespace AgentRag.Retrieval.Tests.Evaluation;

public sealed class RetrievalMetricsTests
{
    // Judged: a (grade 2), b (1), c (1); x, y, z are not relevant.
    private static readonly Dictionary<string, int> Judgments = new() { ["a"] = 2, ["b"] = 1, ["c"] = 1, ["z"] = 0 };
    private static readonly string[] Ranking = ["x", "a", "y", "b", "z"];

    [Fact]
    public void NdcgAtK_GradedJudgments_UsesLinearGainAndLog2Discount()
    {
        // DCG = 2/log2(3) + 1/log2(5) = 1.26186 + 0.43068 = 1.69254
        // IDCG = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.63093 + 0.5 = 3.13093
        RetrievalMetrics.NdcgAtK(Ranking, Judgments, 10).ShouldBe(1.69254 / 3.13093, 1e-5);
        RetrievalMetrics.NdcgAtK(["a", "b", "c"], Judgments, 10).ShouldBe(1.0, 1e-12);
        RetrievalMetrics.NdcgAtK(Ranking, Judgments, 1).ShouldBe(0);
    }

    [Fact]
    public void ReciprocalRankAtK_FirstRelevantAtRank2_IsHalf()
    {
        RetrievalMetrics.ReciprocalRankAtK(Ranking, Judgments, 10).ShouldBe(0.5);
        RetrievalMetrics.ReciprocalRankAtK(Ranking, Judgments, 1).ShouldBe(0);
    }

    [Fact]
    public void RecallAtK_TwoOfThreeFound_IsTwoThirds()
    {
        RetrievalMetrics.RecallAtK(Ranking, Judgments, 100).ShouldBe(2.0 / 3, 1e-12);
        RetrievalMetrics.RecallAtK(Ranking, Judgments, 2).ShouldBe(1.0 / 3, 1e-12);
    }

    [Fact]
    public void PrecisionAtK_ShortRanking_StillDividesByK()
    {
        RetrievalMetrics.PrecisionAtK(Ranking, Judgments, 5).ShouldBe(0.4);
        RetrievalMetrics.PrecisionAtK(["a"], Judgments, 5).ShouldBe(0.2);
    }

    [Fact]
    public void AveragePrecisionAtK_DividesByAllRelevant()
    {
        // Relevant at ranks 2 and 4: (1/2 + 2/4) / 3 relevant.
        RetrievalMetrics.AveragePrecisionAtK(Ranking, Judgments, 100).ShouldBe(1.0 / 3, 1e-12);
        RetrievalMetrics.AveragePrecisionAtK(Ranking, Judgments, 3).ShouldBe(0.5 / 3, 1e-12);
    }

    [Fact]
    public void Metrics_NoRelevantJudgments_AreZero()
    {
        var none = new Dictionary<string, int> { ["a"] = 0 };
        RetrievalMetrics.NdcgAtK(Ranking, none, 10).ShouldBe(0);
        RetrievalMetrics.RecallAtK(Ranking, none, 10).ShouldBe(0);
        RetrievalMetrics.AveragePrecisionAtK(Ranking, none, 10).ShouldBe(0);
    }
}
