using AgentRag.Retrieval.Benchmarks;
using AgentRag.Retrieval.Vectors;

namespace AgentRag.Retrieval.Tests.Vectors;

public sealed class VectorIndexTests
{
    [Fact]
    public void ExactSearch_SmallSet_ReturnsCosineOrder()
    {
        var index = new ExactVectorIndex(2);
        index.Upsert("east", [1, 0]);
        index.Upsert("north", [0, 5]);
        index.Upsert("northeast", [3, 3]);

        var hits = index.Search([2, 1], 3);

        // cos((2,1),(3,3)) = 3/√10 ≈ 0.949, cos((2,1),(1,0)) = 2/√5 ≈ 0.894, cos((2,1),(0,5)) = 1/√5 ≈ 0.447
        hits.Select(h => h.Id).ShouldBe(["northeast", "east", "north"]);
        hits[0].Score.ShouldBe(3 / MathF.Sqrt(10), 1e-6f);
        hits[1].Score.ShouldBe(2 / MathF.Sqrt(5), 1e-6f);
        hits[2].Score.ShouldBe(1 / MathF.Sqrt(5), 1e-6f);
    }

    [Fact]
    public void ExactRemoveAndUpsert_TakeEffectImmediately()
    {
        var index = new ExactVectorIndex(2);
        index.Upsert("a", [1, 0]);
        index.Upsert("b", [0, 1]);
        index.Upsert("c", [1, 1]);

        index.Remove("a").ShouldBeTrue();
        index.Remove("a").ShouldBeFalse();
        index.Upsert("b", [1, 0.1f]);

        index.Count.ShouldBe(2);
        index.Search([1, 0], 5).Select(h => h.Id).ShouldBe(["b", "c"]);
    }

    [Theory]
    [InlineData(new float[] { 1, 2, 3 }, "3 dimensions")]
    [InlineData(new float[] { 0, 0 }, "zero length")]
    [InlineData(new float[] { float.NaN, 1 }, "NaN")]
    public void Upsert_InvalidVector_ThrowsArgumentException(float[] vector, string reason)
    {
        Should.Throw<ArgumentException>(() => new ExactVectorIndex(2).Upsert("x", vector)).Message.ShouldContain(reason);
        Should.Throw<ArgumentException>(() => new HnswVectorIndex(2).Upsert("x", vector)).Message.ShouldContain(reason);
    }

    [Fact]
    public void HnswSearch_ClusteredData_RecallAt10AtLeast95PercentOfExact()
    {
        var data = new SyntheticVectors(dimensions: 64, clusters: 50, spread: 0.35f, seed: 11);
        var vectors = data.Next(8000);
        var queries = data.Next(100);
        var exact = new ExactVectorIndex(64);
        var hnsw = new HnswVectorIndex(64, new HnswOptions { M = 16, EfConstruction = 100, EfSearch = 64 });
        for (var i = 0; i < vectors.Length; i++)
        {
            exact.Upsert($"v{i}", vectors[i]);
            hnsw.Upsert($"v{i}", vectors[i]);
        }

        var found = 0;
        foreach (var query in queries)
        {
            var truth = exact.Search(query, 10).Select(h => h.Id).ToHashSet();
            found += hnsw.Search(query, 10).Count(h => truth.Contains(h.Id));
        }

        (found / 1000.0).ShouldBeGreaterThanOrEqualTo(0.95);
    }

    [Fact]
    public void HnswRemove_Deleted_IsNeverReturned()
    {
        var data = new SyntheticVectors(16, 5, 0.2f, 3);
        var vectors = data.Next(500);
        var hnsw = new HnswVectorIndex(16);
        for (var i = 0; i < vectors.Length; i++)
        {
            hnsw.Upsert($"v{i}", vectors[i]);
        }

        hnsw.Search(vectors[7], 1).Single().Id.ShouldBe("v7");
        hnsw.Remove("v7").ShouldBeTrue();

        hnsw.Search(vectors[7], 10).Select(h => h.Id).ShouldNotContain("v7");
        hnsw.Count.ShouldBe(499);
    }

    [Fact]
    public void WriteToAndRead_BothIndexes_RoundTrip()
    {
        var data = new SyntheticVectors(16, 5, 0.2f, 5);
        var vectors = data.Next(300);
        var exact = new ExactVectorIndex(16);
        var hnsw = new HnswVectorIndex(16);
        for (var i = 0; i < vectors.Length; i++)
        {
            exact.Upsert($"v{i}", vectors[i]);
            hnsw.Upsert($"v{i}", vectors[i]);
        }

        hnsw.Remove("v3");
        using var exactStream = new MemoryStream();
        using var hnswStream = new MemoryStream();
        exact.WriteTo(exactStream);
        hnsw.WriteTo(hnswStream);
        exactStream.Position = hnswStream.Position = 0;

        var exactLoaded = ExactVectorIndex.Read(exactStream);
        var hnswLoaded = HnswVectorIndex.Read(hnswStream);

        exactLoaded.Search(vectors[42], 5).ShouldBe(exact.Search(vectors[42], 5));
        hnswLoaded.Search(vectors[42], 5).ShouldBe(hnsw.Search(vectors[42], 5));
        hnswLoaded.Count.ShouldBe(299);
        Should.Throw<InvalidDataException>(() => HnswVectorIndex.Read(new MemoryStream(hnswStream.ToArray()[..100])));
    }
}

public sealed class TieredVectorIndexTests
{
    [Fact]
    public void Upsert_PastExactLimit_SwitchesToHnswAndKeepsResults()
    {
        var data = new SyntheticVectors(16, 4, 0.2f, 9);
        var vectors = data.Next(300);
        var index = new TieredVectorIndex(16, new VectorIndexOptions { ExactSearchLimit = 200 });
        for (var i = 0; i < 200; i++)
        {
            index.Upsert($"v{i}", vectors[i]);
        }

        index.IsApproximate.ShouldBeFalse();
        for (var i = 200; i < 300; i++)
        {
            index.Upsert($"v{i}", vectors[i]);
        }

        index.IsApproximate.ShouldBeTrue();
        index.Count.ShouldBe(300);
        index.Search(vectors[250], 1).Single().Id.ShouldBe("v250");
        index.Search(vectors[10], 1).Single().Id.ShouldBe("v10");

        using var stream = new MemoryStream();
        index.WriteTo(stream);
        stream.Position = 0;
        var loaded = TieredVectorIndex.Read(stream);
        loaded.IsApproximate.ShouldBeTrue();
        loaded.Search(vectors[250], 3).ShouldBe(index.Search(vectors[250], 3));
    }

    [Fact]
    public void Options_NegativeLimit_ThrowsNamingTheSetting() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new TieredVectorIndex(4, new VectorIndexOptions { ExactSearchLimit = -1 }))
            .Message.ShouldContain("AgentRag:Retrieval:Vectors:ExactSearchLimit");
}
