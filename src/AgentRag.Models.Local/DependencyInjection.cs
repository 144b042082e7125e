using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Local;

/// <summary>Registers the in-process embedding adapter.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Registers the in-process embedding models: a <see cref="LocalSentenceEncoder"/> singleton for the model
    /// <see cref="EmbeddingsOptions.LocalModel"/> names, the <see cref="LocalEmbeddingGenerator"/> as the keyed service
    /// <see cref="LocalEmbeddingModel.GeneratorServiceKey"/> (which the model layer wraps in its decorators when the
    /// <c>embedding</c> profile is local), and a hosted service that loads the model in the background when the host
    /// starts (<see cref="EmbeddingsOptions.WarmUp"/>). Nothing is loaded when the provider is not <c>local</c>.
    /// Call after <c>AddModels</c>.
    /// </summary>
    public static IServiceCollection AddLocalEmbeddings(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmbeddingsOptions>>().Value;
            var model = sp.GetRequiredService<ModelCatalog>().TryGet(ModelProfileNames.Embedding, out var profile) && profile.LocalModel is { } local
                ? local
                : LocalEmbeddingModel.Find(options.LocalModel) ?? LocalEmbeddingModel.Default;
            return new LocalSentenceEncoder(model, options.Threads);
        });
        services.TryAddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(LocalEmbeddingModel.GeneratorServiceKey, static (sp, _) =>
            new LocalEmbeddingGenerator(sp.GetRequiredService<LocalSentenceEncoder>(), sp.GetRequiredService<IOptions<EmbeddingsOptions>>().Value.BatchSize));
        services.AddHostedService<LocalEmbeddingWarmUp>();
        return services;
    }

    /// <summary>
    /// Loads the local model off the start path when it is the embedding profile, so the first search or ingestion does
    /// not wait for it; a failure is logged, and the first real call reports it. <see cref="StopAsync"/> may be called
    /// more than once (a test host stops, then disposes).
    /// </summary>
    internal sealed class LocalEmbeddingWarmUp(
        IServiceProvider services, ModelCatalog catalog, IOptions<EmbeddingsOptions> options, ILogger<LocalSentenceEncoder> logger) : IHostedService, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();
        private Task _warmUp = Task.CompletedTask;
        private int _stopped;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.WarmUp || !catalog.TryGet(ModelProfileNames.Embedding, out var profile) || !profile.IsLocal)
            {
                return Task.CompletedTask;
            }

            var encoder = services.GetRequiredService<LocalSentenceEncoder>();
            _warmUp = Task.Run(async () =>
            {
                try
                {
                    await encoder.WarmUpAsync(_stopping.Token);
                    logger.LogInformation("Local embedding model {Model} loaded in {Milliseconds} ms ({Threads} threads).",
                        encoder.Model.ModelId, (long)(encoder.LoadTime?.TotalMilliseconds ?? 0), encoder.Threads);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Loading the local embedding model {Model} failed; dense search will report the error.", encoder.Model.ModelId);
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 0)
            {
                await _stopping.CancelAsync();
            }

            await _warmUp.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public void Dispose() => _stopping.Dispose();
    }
}
