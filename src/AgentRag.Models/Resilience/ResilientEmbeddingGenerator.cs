using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Resilience;

/// <summary>
/// Runs one profile's embedding calls through its Polly pipeline (retries, breaker, per-attempt timeout). Throws
/// <see cref="ModelCallException"/> when they are exhausted. Thread-safe.
/// </summary>
public sealed class ResilientEmbeddingGenerator(
    IEmbeddingGenerator<string, Embedding<float>> innerGenerator, ModelProfile profile, ModelResiliencePipelines pipelines)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values as IReadOnlyList<string> ?? values.ToList();
        try
        {
            return await pipelines.For(profile).ExecuteAsync(
                async (state, token) => await state.Inner.GenerateAsync(state.List, state.Options, token),
                (Inner: InnerGenerator, List: list, Options: options),
                cancellationToken);
        }
        catch (Exception ex) when (ModelResiliencePipelines.Translate(ex, profile) is ModelCallException translated && translated != ex)
        {
            throw translated;
        }
    }
}
