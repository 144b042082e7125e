using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Events;
using AgentRag.Models;
using AgentRag.Runtime.Embedded;
using AgentRag.Storage.Sqlite;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Support;

/// <summary>
/// The orchestration services over a data folder, with a scripted retriever, optionally the real model layer pointed at a
/// loopback OpenAI server (model <c>test-model</c>, no retries, a long per-call timeout), and a manual clock; the actor
/// host is started. Dispose to "stop the process"; a new instance on the same folder is the restart.
/// </summary>
public sealed class WorkflowHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    /// <summary>The model id the primary profile calls on the loopback server.</summary>
    public const string TestModel = "test-model";

    private WorkflowHost(ServiceProvider services) => _services = services;

    public IServiceProvider Services => _services;

    public WorkflowService Workflows => _services.GetRequiredService<WorkflowService>();

    public IEventLog EventLog => _services.GetRequiredService<IEventLog>();

    public EmbeddedActorHost ActorHost => _services.GetRequiredService<EmbeddedActorHost>();

    public static async Task<WorkflowHost> StartAsync(
        string dataPath, IPassageRetriever retriever, TimeProvider time, OpenAiTestServer? model = null, Action<AgentsOptions>? configure = null,
        IDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>();
        if (model is not null)
        {
            configuration["OPENAI_BASE_URL"] = model.BaseUrl.ToString();
            configuration["AGENTRAG_CHAT_MODEL"] = TestModel;
            configuration["AgentRag:Models:Resilience:MaxRetries"] = "0";
            configuration["AgentRag:Models:Profiles:primary:Timeout"] = "00:10:00";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(EmbeddingTestSettings.Apply(configuration)).Build());
        services.AddSingleton(time);
        services.AddSingleton(new DataFolder(dataPath));
        services.AddSqliteStorage(dataPath);
        services.AddModels();
        services.AddEmbeddedActorRuntime();
        services.AddSingleton(retriever);
        services.AddAgents(configure);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<EmbeddedActorHost>().StartAsync(CancellationToken.None);
        return new WorkflowHost(provider);
    }

    /// <summary>Every event of the workflow's stream so far, once the stream has ended (or throws after 30 s).</summary>
    public async Task<IReadOnlyList<StoredEvent>> WaitForEndAsync(string workflowId)
    {
        var stream = WorkflowEvents.StreamId(workflowId);
        using var subscription = EventLog.Subscribe(Tenancy.DefaultTenant, stream);
        var events = (await EventLog.ReadAsync(Tenancy.DefaultTenant, stream, 0)).ToList();
        if (!events.Any(WorkflowEvents.IsFinal))
        {
            await foreach (var stored in subscription.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
            {
                if (WorkflowEvents.IsFinal(stored))
                {
                    break;
                }
            }
        }

        return await EventLog.ReadAsync(Tenancy.DefaultTenant, stream, 0, 100_000);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
