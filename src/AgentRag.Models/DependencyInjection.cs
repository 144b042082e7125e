using AgentRag.Core.Feedback;
using AgentRag.Core.Usage;
using AgentRag.Models.Budgets;
using AgentRag.Models.Caching;
using AgentRag.Models.Configuration;
using AgentRag.Models.Diagnostics;
using AgentRag.Models.Pipeline;
using AgentRag.Models.Prompts;
using AgentRag.Models.Resilience;
using AgentRag.Models.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Models;

/// <summary>Registers the model layer.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Registers the model layer: <see cref="ModelsOptions"/> (section <c>AgentRag:Models</c> plus the environment
    /// shortcuts, validated at start naming each bad setting), <see cref="PromptOptions"/> (<c>AgentRag:Prompts</c>; the
    /// prompt files are loaded and validated at start), <see cref="ModelCatalog"/> (ask it whether a chat model is
    /// configured), the decorated <see cref="IChatClient"/> and <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>
    /// (composition in <see cref="ModelPipelineFactory"/>), <see cref="ModelRouter"/>,
    /// <see cref="PromptCatalog"/>, <see cref="ModelCaches"/>, <see cref="ModelResiliencePipelines"/> and
    /// <see cref="ModelProbe"/>. Needs a storage backend for <see cref="IUsageStore"/> and <see cref="IAnswerQualityStore"/> (<c>AddSqliteStorage</c>). With no model configured the clients still
    /// resolve, and calls throw <see cref="ModelUnavailableException"/>: check <see cref="ModelCatalog.IsChatAvailable"/> first.
    /// </summary>
    public static IServiceCollection AddModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ModelsOptions>().ValidateOnStart();
        services.AddOptions<EmbeddingsOptions>()
            .Configure<IServiceProvider>(static (options, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(EmbeddingsOptions.SectionName).Bind(options));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ModelsOptions>, ModelsOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>());
        services.AddOptions<PromptOptions>()
            .Configure<IServiceProvider>(static (options, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(PromptOptions.SectionName).Bind(options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PromptOptions>, PromptOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelCatalog>();
        services.TryAddSingleton<ModelResiliencePipelines>();
        services.TryAddSingleton<ModelCaches>();
        services.TryAddSingleton<BudgetLedger>();
        services.TryAddSingleton<ModelRouter>();
        services.TryAddSingleton<PromptCatalog>();
        services.TryAddSingleton<ModelProbe>();
        services.TryAddSingleton(ModelPipelineFactory.CreateChatClient);
        services.TryAddSingleton(ModelPipelineFactory.CreateEmbeddingGenerator);
        services.AddHostedService<ModelsStartup>();
        return services;
    }

    /// <summary>Loads the prompt files during options validation, so a bad prompt fails the start (server and CLI alike).</summary>
    private sealed class PromptOptionsValidator : IValidateOptions<PromptOptions>
    {
        public ValidateOptionsResult Validate(string? name, PromptOptions options)
        {
            try
            {
                PromptLoader.Load(options);
                return ValidateOptionsResult.Success;
            }
            catch (PromptException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message.Split(Environment.NewLine));
            }
        }
    }

    /// <summary>Builds the catalogs when the host starts and logs the configured profiles (never their keys).</summary>
    private sealed class ModelsStartup(ModelCatalog catalog, PromptCatalog prompts, ILogger<ModelCatalog> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!catalog.IsChatAvailable)
            {
                logger.LogInformation("No chat model configured: answers are extractive (model-free). {Reason}", catalog.ChatUnavailableReason);
            }

            foreach (var profile in catalog.Profiles.Where(p => p.IsLocal))
            {
                logger.LogInformation("Model profile {Profile}: {Model} in process (ONNX Runtime, offline, free).", profile.Name, profile.Model);
            }

            foreach (var profile in catalog.Profiles.Where(p => !p.IsLocal))
            {
                logger.LogInformation("Model profile {Profile}: {Model} at {Endpoint} (API key {KeyState}, timeout {Timeout}).",
                    profile.Name, profile.Model, profile.Endpoint, profile.HasApiKey ? "set" : "not set", profile.Timeout);
            }

            logger.LogInformation("Prompts loaded: {Prompts}.", string.Join(", ", prompts.Agents.SelectMany(a => prompts.Versions(a)).Select(p => p.ToString())));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
