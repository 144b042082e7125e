using AgentRag.Models.Configuration;

namespace AgentRag.Models.Local.Tests;

/// <summary>One loaded session per model for the whole test assembly (loading one takes seconds).</summary>
public sealed class LocalModels : IDisposable
{
    public LocalSentenceEncoder MiniLm { get; } = new(LocalEmbeddingModel.MiniLm);

    public LocalSentenceEncoder ArcticXs { get; } = new(LocalEmbeddingModel.ArcticXs);

    public void Dispose()
    {
        MiniLm.Dispose();
        ArcticXs.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class LocalModelsCollection : ICollectionFixture<LocalModels>
{
    public const string Name = "local models";
}
