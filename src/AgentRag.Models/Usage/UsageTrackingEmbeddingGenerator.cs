using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Models.Usage;

/// <summary>
/// Records one usage row per embeddings call on its profile, like <see cref="UsageTrackingChatClient"/>. Thread-safe.
/// </summary>
public sealed class UsageTrackingEmbeddingGenerator(
    IEmbeddingGenerator<string, Embedding<float>> innerGenerator, ModelProfile profile, IUsageStore store, TimeProvider timeProvider,
    ILogger<UsageTrackingEmbeddingGenerator>? logger = null)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    private readonly UsageRecorder _recorder = new(profile, store, timeProvider, (ILogger?)logger ?? NullLogger.Instance);

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values as IReadOnlyList<string> ?? values.ToList();
        var started = timeProvider.GetTimestamp();
        var startedAt = timeProvider.GetUtcNow();
        var context = options.GetContext();
        try
        {
            var result = await base.GenerateAsync(list, options, cancellationToken);
            await _recorder.RecordAsync(context, UsageOperations.Embedding, startedAt, started, result.Usage,
                () => list.Sum(TokenEstimator.Estimate), static () => 0, null);
            return result;
        }
        catch (Exception ex)
        {
            await _recorder.RecordAsync(context, UsageOperations.Embedding, startedAt, started, null,
                () => list.Sum(TokenEstimator.Estimate), static () => 0, ex);
            throw;
        }
    }
}
