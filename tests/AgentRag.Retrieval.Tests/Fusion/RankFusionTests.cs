using AgentRag.Retrieval.Fusion;

namespace AgentRag.Retrieval.Tests.Fusion;

public sealed class RankFusionTests
{
    private static readonly RankedList Bm25 = new("bm25", [new("a", 12.0), new("b", 9.0), new("c", 3.0)]);
    private static readonly RankedList Dense = new("dense", [new("c", 0.91), new("a", 0.90), new("d", 0.40)]);

    [Fact]
    public void ReciprocalRankFusion_TwoLists_SumsOneOverSixtyPlusRank()
    {
        var fused = new ReciprocalRankFusion().Fuse([Bm25, Dense], 10);

        // a: 1/61 + 1/62, c: 1/63 + 1/61, b: 1/62, d: 1/63
        fused.Select(h => h.Id).ShouldBe(["a", "c", "b", "d"]);
        fused[0].Score.ShouldBe((1.0 / 61) + (1.0 / 62), 1e-12);
        fused[1].Score.ShouldBe((1.0 / 63) + (1.0 / 61), 1e-12);
        fused[0].Components.ShouldBe([12.0, 0.90]);
        fused[2].Components.ShouldBe([9.0, null]);
    }

    [Fact]
    public void ReciprocalRankFusion_Limit_CutsAfterSorting() =>
        new ReciprocalRankFusion().Fuse([Bm25, Dense], 1).Single().Id.ShouldBe("a");

    [Fact]
    public void WeightedMinMaxFusion_Weights_ScaleNormalizedScores()
    {
        var fused = new WeightedMinMaxFusion().Fuse([Bm25 with { Weight = 0.3 }, Dense with { Weight = 0.7 }], 10);

        // bm25 normalized: a 1, b 6/9, c 0; dense normalized: c 1, a 0.5/0.51, d 0
        var a = (0.3 * 1) + (0.7 * (0.50 / 0.51));
        var c = 0.7 * 1;
        var b = 0.3 * (6.0 / 9);
        fused.Select(h => h.Id).ShouldBe(["a", "c", "b", "d"]);
        fused[0].Score.ShouldBe(a, 1e-9);
        fused[1].Score.ShouldBe(c, 1e-9);
        fused[2].Score.ShouldBe(b, 1e-9);
        fused[3].Score.ShouldBe(0, 1e-12);
    }

    [Fact]
    public void WeightedMinMaxFusion_EqualScores_NormalizeToOne() =>
        new WeightedMinMaxFusion().Fuse([new RankedList("x", [new("a", 5), new("b", 5)])], 10).Select(h => h.Score).ShouldBe([1.0, 1.0]);

    [Fact]
    public void Fuse_NegativeWeight_ThrowsNamingTheList() =>
        Should.Throw<ArgumentException>(() => new ReciprocalRankFusion().Fuse([Bm25 with { Weight = -1 }], 5)).Message.ShouldContain("'bm25'");
}
