using AgentRag.Models.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Local.Tests;

public sealed class LocalEmbeddingWarmUpTests
{
    [Theory]
    [InlineData("none")]
    [InlineData("local")]
    public async Task StopAsync_CalledTwiceAsATestHostDoes_DoesNotThrow(string provider)
    {
        var embeddings = new EmbeddingsOptions { Provider = provider, WarmUp = false };
        var catalog = ModelCatalog.Create(new ModelsOptions(), embeddings);
        using var warmUp = new DependencyInjection.LocalEmbeddingWarmUp(new NoServices(), catalog, Options.Create(embeddings), NullLogger<LocalSentenceEncoder>.Instance);

        await warmUp.StartAsync(CancellationToken.None);
        await warmUp.StopAsync(CancellationToken.None);

        await Should.NotThrowAsync(() => warmUp.StopAsync(CancellationToken.None)); // WebApplicationFactory stops, then disposes
    }

    /// <summary>With the warm-up off nothing is resolved.</summary>
    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
