using System.Security.Cryptography;
using System.Text;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Caching;

/// <summary>
/// Serves embeddings from <see cref="ModelCaches"/> by model and SHA-256 of the text (24 h TTL by default) and asks the
/// inner generator only for the texts it has not seen, in one call, keeping input order. Hits cost nothing and record no
/// usage. Thread-safe.
/// </summary>
public sealed class CachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, string model, ModelCaches caches)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        if (!caches.EmbeddingSettings.Enabled)
        {
            return await base.GenerateAsync(inputs, options, cancellationToken);
        }

        var dimensions = options?.Dimensions;
        var results = new Embedding<float>?[inputs.Count];
        var missing = new List<int>();
        var keys = new string[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            keys[i] = Key(model, dimensions, inputs[i]);
            var hit = caches.Embeddings.TryGet(keys[i], out var vector);
            ModelsTelemetry.RecordCacheLookup("embedding", hit);
            if (hit)
            {
                results[i] = new Embedding<float>(vector) { ModelId = model };
            }
            else
            {
                missing.Add(i);
            }
        }

        UsageDetails? usage = null;
        if (missing.Count > 0)
        {
            // Each distinct text is sent once even when it repeats in the input.
            var distinct = missing.Select(i => inputs[i]).Distinct(StringComparer.Ordinal).ToList();
            var generated = await base.GenerateAsync(distinct, options, cancellationToken);
            usage = generated.Usage;
            var byText = new Dictionary<string, Embedding<float>>(StringComparer.Ordinal);
            for (var j = 0; j < distinct.Count; j++)
            {
                byText[distinct[j]] = generated[j];
                caches.Embeddings.Set(Key(model, dimensions, distinct[j]), generated[j].Vector);
            }

            foreach (var i in missing)
            {
                results[i] = byText[inputs[i]];
            }
        }

        return new GeneratedEmbeddings<Embedding<float>>(results!) { Usage = usage };
    }

    internal static string Key(string model, int? dimensions, string text) =>
        $"{model}|{dimensions}|{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))}";
}
