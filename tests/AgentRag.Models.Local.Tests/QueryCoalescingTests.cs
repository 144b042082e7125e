using System.Numerics.Tensors;

namespace AgentRag.Models.Local.Tests;

/// <summary>Concurrent interactive calls (search queries) waiting for the session run together in one inference run.</summary>
[Collection(LocalModelsCollection.Name)]
public sealed class QueryCoalescingTests(LocalModels models)
{
    private static readonly string[] Queries =
    [
        "How do plants turn sunlight into sugar?",
        "vitamin D and fractures",
        "Does aspirin lower the risk of a second heart attack in older adults with hypertension?",
        "tides",
        "What is the powerhouse of the cell?",
        "sleep deprivation memory",
    ];

    [Fact]
    public async Task EncodeAsync_QueriesWaitingTogether_RunOnceWithTheVectorsAndWordPiecesOfEachAlone()
    {
        var encoder = models.MiniLm;
        await encoder.WarmUpAsync();
        var alone = new List<(float[] Vector, long WordPieces)>();
        foreach (var query in Queries)
        {
            var (vectors, pieces) = await encoder.EncodeCountingAsync([query], interactive: true);
            alone.Add((vectors[0], pieces));
        }

        var runsBefore = encoder.InferenceRuns;
        Task<(float[][] Vectors, long WordPieces)>[] waiting;
        using (await encoder.Gate.EnterAsync(interactive: false, CancellationToken.None)) // a background batch in flight
        {
            waiting = [.. Queries.Select(q => encoder.EncodeCountingAsync([q], interactive: true))];
            waiting.ShouldAllBe(t => !t.IsCompleted);
        }

        var results = await Task.WhenAll(waiting);

        (encoder.InferenceRuns - runsBefore).ShouldBe(1);
        for (var i = 0; i < Queries.Length; i++)
        {
            results[i].WordPieces.ShouldBe(alone[i].WordPieces, $"query {i}");
            TensorPrimitives.CosineSimilarity(results[i].Vectors.ShouldHaveSingleItem(), alone[i].Vector).ShouldBeGreaterThan(0.9999f, $"query {i}");
        }
    }

    [Fact]
    public async Task EncodeAsync_MoreWaitingTextsThanOneRunTakes_RunInOrderInSeveralRuns()
    {
        var encoder = models.MiniLm;
        await encoder.WarmUpAsync();
        var texts = Enumerable.Range(0, LocalSentenceEncoder.MaxCoalescedTexts + 1).Select(i => $"query number {i}").ToArray();

        var runsBefore = encoder.InferenceRuns;
        Task<float[][]>[] waiting;
        using (await encoder.Gate.EnterAsync(interactive: false, CancellationToken.None))
        {
            waiting = [.. texts.Select(t => encoder.EncodeAsync([t], interactive: true))];
        }

        var results = await Task.WhenAll(waiting);

        (encoder.InferenceRuns - runsBefore).ShouldBe(2);
        results.ShouldAllBe(r => r.Length == 1 && r[0].Length == 384);
    }

    [Fact]
    public async Task EncodeAsync_OneWaitingQueryCancelled_TheOthersStillGetTheirVectors()
    {
        var encoder = models.MiniLm;
        await encoder.WarmUpAsync();
        using var cancel = new CancellationTokenSource();

        Task<float[][]> cancelled, other;
        using (await encoder.Gate.EnterAsync(interactive: false, CancellationToken.None))
        {
            cancelled = encoder.EncodeAsync(["a query the caller gave up on"], interactive: true, cancel.Token);
            other = encoder.EncodeAsync(["a query still wanted"], interactive: true);
            await cancel.CancelAsync();
            await Should.ThrowAsync<OperationCanceledException>(() => cancelled);
        }

        (await other).ShouldHaveSingleItem().Length.ShouldBe(384);
        using var free = await encoder.Gate.EnterAsync(interactive: false, CancellationToken.None); // the turn came back
    }
}
