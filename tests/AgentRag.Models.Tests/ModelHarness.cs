using System.Collections.Concurrent;
using AgentRag.Core.Usage;
using AgentRag.Models.Caching;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Resilience;
using AgentRag.Storage.Sqlite;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Tests;

/// <summary>
/// The model layer as the product registers it (<c>AddSqliteStorage</c> + <c>AddModels</c>), configured in memory against
/// a loopback <see cref="OpenAiTestServer"/>, on a manual clock, with logs captured. Jitter is zero so retry delays are
/// exactly 1 s, 2 s, 4 s.
/// </summary>
public sealed class ModelHarness : IAsyncDisposable
{
    private readonly TempDirectory _data;

    private ModelHarness(OpenAiTestServer server, TempDirectory data, ServiceProvider services, ManualTimeProvider clock, CapturedLogs logs)
    {
        Server = server;
        _data = data;
        Services = services;
        Clock = clock;
        Logs = logs;
    }

    public OpenAiTestServer Server { get; }

    public ServiceProvider Services { get; }

    public ManualTimeProvider Clock { get; }

    public CapturedLogs Logs { get; }

    public IChatClient Chat => Services.GetRequiredService<IChatClient>();

    public IEmbeddingGenerator<string, Embedding<float>> Embeddings => Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

    public ModelCatalog Catalog => Services.GetRequiredService<ModelCatalog>();

    public IUsageStore Usage => Services.GetRequiredService<IUsageStore>();

    /// <summary>
    /// Starts a server and the model layer. By default <c>OPENAI_BASE_URL</c> points at the server and the profiles are
    /// primary=gpt-primary, fallback=gpt-fallback, cheap=gpt-cheap, embedding=embed-small; <paramref name="configure"/>
    /// adjusts (a null value removes a key).
    /// </summary>
    public static async Task<ModelHarness> StartAsync(Action<Dictionary<string, string?>>? configure = null, Action<OpenAiTestServer>? setUpServer = null)
    {
        var server = await OpenAiTestServer.StartAsync();
        setUpServer?.Invoke(server);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["OPENAI_BASE_URL"] = server.BaseUrl.ToString(),
            ["AGENTRAG_CHAT_MODEL"] = "gpt-primary",
            ["AGENTRAG_FALLBACK_MODEL"] = "gpt-fallback",
            ["AGENTRAG_CHEAP_MODEL"] = "gpt-cheap",
            ["AGENTRAG_EMBEDDING_MODEL"] = "embed-small",
            ["AgentRag:Prompts:Directory"] = RepoPrompts,
        };
        configure?.Invoke(settings);
        var clock = new ManualTimeProvider();
        server.Clock = clock;
        var data = new TempDirectory("agentrag-models");
        var logs = new CapturedLogs();
        var services = Build(settings.Where(kv => kv.Value is not null), clock, logs, data.Path);
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch
        {
            await services.DisposeAsync();
            data.Dispose();
            await server.DisposeAsync();
            throw;
        }

        return new ModelHarness(server, data, services, clock, logs);
    }

    /// <summary>The service provider the product would build from <paramref name="settings"/> (not validated yet).</summary>
    public static ServiceProvider Build(IEnumerable<KeyValuePair<string, string?>> settings, TimeProvider clock, CapturedLogs logs, string dataDirectory)
    {
        // This harness does not register the in-process adapter: embeddings come from the loopback server or are off.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(EmbeddingTestSettings.Apply(settings)).Build();

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton(clock);
        // No jitter: the backoff is then exactly 1 s, 2 s, 4 s.
        services.AddSingleton(provider => new ModelResiliencePipelines(
            provider.GetRequiredService<IOptions<ModelsOptions>>().Value.Resilience, clock, provider.GetService<ILogger<ModelResiliencePipelines>>(), randomizer: () => 0));
        services.AddSqliteStorage(dataDirectory);
        services.AddModels();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>The repository's <c>prompts/</c> folder.</summary>
    public static string RepoPrompts => Path.Combine(SharedPaths.RepositoryRoot, "prompts");

    /// <summary>Runs <paramref name="call"/> to completion, advancing the clock through retry delays (never past a 60 s timeout).</summary>
    public Task<T> RunAsync<T>(Task<T> call) => Clock.RunAsync(call, TimeSpan.FromSeconds(31));

    /// <summary>Every usage row (all tenants), after the writer has committed.</summary>
    public async Task<IReadOnlyList<UsageRecord>> UsageRowsAsync()
    {
        await Services.GetRequiredService<SqliteDatabase>().FlushAsync();
        return (await Usage.ListAsync(new UsageListQuery(null, Limit: 10_000))).OrderBy(r => r.Timestamp).ThenBy(r => r.Id).ToList();
    }

    public static ChatMessage[] Ask(string question) => [new ChatMessage(ChatRole.User, question)];

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Server.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>Collects log lines (formatted, with exceptions) for assertions.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => _entries.ToList();

    public string All => string.Join("\n", _entries.Select(e => $"{e.Level} {e.Category}: {e.Message}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? "" : " | " + exception)));
    }
}

/// <summary>Collects model events for assertions.</summary>
public sealed class RecordingEventSink : IModelEventSink
{
    private readonly ConcurrentQueue<ModelEvent> _events = new();

    public IReadOnlyList<ModelEvent> Events => _events.ToList();

    public ValueTask PublishAsync(ModelEvent modelEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(modelEvent);
        return ValueTask.CompletedTask;
    }
}
