using System.Numerics.Tensors;
using AgentRag.Models.Configuration;

namespace AgentRag.Models.Local.Tests;

[Collection(LocalModelsCollection.Name)]
public sealed class LocalEmbeddingGeneratorTests(LocalModels models)
{
    private static readonly string[] MixedLengths =
    [
        "The mitochondria is the powerhouse of the cell, producing ATP through oxidative phosphorylation across its inner membrane, "
            + "a process that depends on a proton gradient built by the electron transport chain.",
        "Tides.",
        "Vitamin D deficiency is associated with a higher risk of fractures in older adults.",
        "How do plants turn sunlight into sugar?",
        "A short one.",
    ];

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic-xs")]
    public async Task GenerateAsync_TextsOfMixedLengthsInSortedBatches_SameVectorsAsOneAtATime(string key)
    {
        var encoder = Encoder(key);
        using var batched = new LocalEmbeddingGenerator(encoder, batchSize: 2);

        var result = await batched.GenerateAsync(MixedLengths);

        result.Count.ShouldBe(MixedLengths.Length);
        for (var i = 0; i < MixedLengths.Length; i++)
        {
            var alone = (await encoder.EncodeAsync([MixedLengths[i]], interactive: true))[0];
            result[i].Vector.Length.ShouldBe(384);
            result[i].ModelId.ShouldBe(encoder.Model.ModelId);
            TensorPrimitives.CosineSimilarity(result[i].Vector.Span, alone).ShouldBeGreaterThan(0.9999f, $"text {i}");
        }
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic-xs")]
    public async Task GenerateAsync_TextLongerThanMaxWordPieces_TailIsCutOff(string key)
    {
        using var generator = new LocalEmbeddingGenerator(Encoder(key), batchSize: 16);
        // "dog" is one word piece: 520 of them fill the model's 512 (with [CLS] and [SEP]); 500 leave room for the tail.
        var fits = string.Join(' ', Enumerable.Repeat("dog", 500));
        var full = string.Join(' ', Enumerable.Repeat("dog", 520));
        const string tail = " quantum physics of distant galaxies";

        var vectors = await generator.GenerateAsync([fits, fits + tail, full, full + tail]);

        TensorPrimitives.CosineSimilarity(vectors[0].Vector.Span, vectors[1].Vector.Span).ShouldBeLessThan(0.9999f);
        TensorPrimitives.CosineSimilarity(vectors[2].Vector.Span, vectors[3].Vector.Span).ShouldBeGreaterThan(0.99999f);
    }

    [Fact]
    public async Task GenerateAsync_ArcticQueryWithItsPrefix_CloserToTheAnsweringPassageThanWithout()
    {
        using var generator = new LocalEmbeddingGenerator(models.ArcticXs, batchSize: 16);
        const string passage = "Regular aerobic exercise lowers resting blood pressure in adults with hypertension.";
        const string query = "does working out reduce hypertension";
        const string unrelated = "The Treaty of Westphalia ended the Thirty Years' War in 1648.";

        var vectors = await generator.GenerateAsync([LocalEmbeddingModel.ArcticXs.QueryPrefix + query, query, passage, unrelated]);

        LocalEmbeddingModel.ArcticXs.QueryPrefix.ShouldBe("Represent this sentence for searching relevant passages: ");
        LocalEmbeddingModel.MiniLm.QueryPrefix.ShouldBeEmpty();
        var prefixed = TensorPrimitives.CosineSimilarity(vectors[0].Vector.Span, vectors[2].Vector.Span);
        var bare = TensorPrimitives.CosineSimilarity(vectors[1].Vector.Span, vectors[2].Vector.Span);
        prefixed.ShouldNotBe(bare);
        prefixed.ShouldBeGreaterThan(TensorPrimitives.CosineSimilarity(vectors[0].Vector.Span, vectors[3].Vector.Span));
    }

    [Fact]
    public async Task GenerateAsync_AnyTexts_UsageCountsTheWordPiecesReadWithCapAndSpecialTokens()
    {
        using var generator = new LocalEmbeddingGenerator(models.MiniLm, batchSize: 2);
        var long600 = string.Join(' ', Enumerable.Repeat("dog", 600)); // 600 pieces + [CLS], [SEP]: cut to 512

        var result = await generator.GenerateAsync(["dog dog dog", "dog", long600]);

        // [CLS] dog dog dog [SEP] = 5, [CLS] dog [SEP] = 3, then the 512 the model reads of the long text.
        result.Usage.ShouldNotBeNull().InputTokenCount.ShouldBe(5 + 3 + 512);
        result.Usage.TotalTokenCount.ShouldBe(520);
    }

    [Fact]
    public async Task GenerateAsync_NoTexts_NoVectorsAndNoInference()
    {
        using var encoder = new LocalSentenceEncoder(LocalEmbeddingModel.MiniLm, threads: 1);
        using var generator = new LocalEmbeddingGenerator(encoder, batchSize: 4);

        var result = await generator.GenerateAsync([]);

        result.Count.ShouldBe(0);
        encoder.IsLoaded.ShouldBeFalse();
    }

    [Fact]
    public async Task GenerateAsync_NullText_ThrowsNamingIt()
    {
        using var generator = new LocalEmbeddingGenerator(models.MiniLm, batchSize: 4);

        var failure = await Should.ThrowAsync<ArgumentException>(() => generator.GenerateAsync(["a", null!]));

        failure.Message.ShouldStartWith("Text 1 is null.");
    }

    private LocalSentenceEncoder Encoder(string key) => key == "minilm" ? models.MiniLm : models.ArcticXs;
}
