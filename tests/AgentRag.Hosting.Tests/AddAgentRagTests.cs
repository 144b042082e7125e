using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Core.Events;
using AgentRag.Runtime.Embedded;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRag.Hosting.Tests;

/// <summary>The composition root: the two backend axes, their configuration keys, and the startup checks that name what is missing.</summary>
public sealed class AddAgentRagTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentrag-hosting");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AddAgentRag_SqliteAndEmbeddedRuntime_BuildsAndRunsAWorkflowThroughTheRuntime()
    {
        await using var provider = Build(backends => backends.UseSqlite(new DataFolder(_directory.Path)).UseEmbeddedRuntime());

        var runtime = provider.GetRequiredService<IActorRuntime>();
        runtime.ShouldBeOfType<EmbeddedActorHost>();
        provider.GetRequiredService<IActorHost>().ShouldBeSameAs(runtime);
        provider.GetServices<IHostedService>().ShouldContain(service => ReferenceEquals(service, runtime));

        await runtime.StartAsync(CancellationToken.None);
        runtime.OwnsRecovery.ShouldBeTrue();
        var workflows = provider.GetRequiredService<WorkflowService>();
        var state = await workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("What is in the corpus?"));

        state.Status.ShouldBe(WorkflowStatus.Completed);
        var read = await workflows.GetAsync(Tenancy.DefaultTenant, state.WorkflowId);
        read.ShouldNotBeNull();
        read.ShouldNotBeSameAs(state);
        read.Status.ShouldBe(WorkflowStatus.Completed);
        read.Answer.ShouldNotBeNull().Answer.ShouldBe(state.Answer!.Answer);
        (await workflows.GetAsync("other-tenant", state.WorkflowId)).ShouldBeNull();
        await runtime.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void UseConfiguration_NoKeys_ChoosesSqliteAndTheEmbeddedRuntime()
    {
        var chosen = Choose(new Dictionary<string, string?>());

        chosen.Storage.ShouldBe("sqlite");
        chosen.Runtime.ShouldBe("embedded");
        chosen.DataFolder!.Root.ShouldBe(_directory.Path);
    }

    [Fact]
    public void UseConfiguration_ValuesInAnyCase_ChooseTheNamedBackends()
    {
        var chosen = Choose(new Dictionary<string, string?> { ["AgentRag:Storage"] = " SQLite ", ["AgentRag:Runtime"] = "Embedded" });

        chosen.Storage.ShouldBe("sqlite");
        chosen.Runtime.ShouldBe("embedded");
    }

    [Fact]
    public void UseConfiguration_StoragePostgres_ChoosesPostgres()
    {
        var chosen = Choose(new Dictionary<string, string?>
        {
            ["AgentRag:Storage"] = "Postgres",
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody",
        });

        chosen.Storage.ShouldBe("postgres");
        chosen.Runtime.ShouldBe("embedded");
    }

    [Theory]
    [InlineData("AgentRag:Storage", "mysql", "accepted: sqlite, postgres.")]
    [InlineData("AgentRag:Runtime", "akka", "accepted: embedded, orleans, dapr.")]
    public void UseConfiguration_UnknownBackend_FailsNamingTheKeyAndTheAcceptedValues(string key, string value, string accepted)
    {
        var failure = Should.Throw<OptionsValidationException>(() => Choose(new Dictionary<string, string?> { [key] = value }));

        failure.Message.ShouldBe($"{key} is '{value}', which is not a known backend; {accepted}");
    }

    [Fact]
    public void AddAgentRag_NoRuntimeChosen_FailsNamingUseEmbeddedRuntime()
    {
        var failure = Should.Throw<InvalidOperationException>(
            () => new ServiceCollection().AddAgentRag(backends => backends.UseSqlite(new DataFolder(_directory.Path))));

        failure.Message.ShouldBe("AddAgentRag needs an actor runtime: call UseEmbeddedRuntime(), UseOrleansRuntime() or UseDaprRuntime() (or set AgentRag:Runtime and call UseConfiguration).");
    }

    [Fact]
    public void AddAgentRag_NoStorageChosen_FailsNamingUseSqlite()
    {
        var failure = Should.Throw<InvalidOperationException>(() => new ServiceCollection().AddAgentRag(backends => backends.UseEmbeddedRuntime()));

        failure.Message.ShouldBe("AddAgentRag needs a storage backend: call UseSqlite(dataFolder) or UsePostgres(dataFolder) (or set AgentRag:Storage and call UseConfiguration).");
    }

    [Fact]
    public void AddAgentRag_StorageChosenTwice_Fails()
    {
        var failure = Should.Throw<InvalidOperationException>(() => new ServiceCollection().AddAgentRag(backends => backends
            .UseSqlite(new DataFolder(_directory.Path))
            .UseStorage("other", _ => { })
            .UseEmbeddedRuntime()));

        failure.Message.ShouldBe("The storage backend is chosen twice ('sqlite' and 'other'): choose one.");
    }

    [Fact]
    public void AddAgentRag_StorageBackendWithoutPorts_FailsNamingTheFirstMissingPortAndTheCallThatAddsIt()
    {
        var failure = Should.Throw<InvalidOperationException>(() => new ServiceCollection().AddAgentRag(backends => backends
            .UseDataFolder(new DataFolder(_directory.Path))
            .UseStorage("partial", _ => { })
            .UseEmbeddedRuntime()));

        failure.Message.ShouldBe(
            "No IDocumentStore (the document store) is registered: the storage backend 'partial' (AgentRag:Storage) must add it. UseSqlite(dataFolder) or UsePostgres(dataFolder) adds one.");
    }

    [Fact]
    public void AddAgentRag_StorageBackendWithoutTheEventLog_FailsNamingIt()
    {
        var failure = Should.Throw<InvalidOperationException>(() => new ServiceCollection().AddAgentRag(backends => backends
            .UseDataFolder(new DataFolder(_directory.Path))
            .UseStorage("documents-only", services => services.AddSingleton<Core.Storage.IDocumentStore>(_ => throw new NotSupportedException()))
            .UseEmbeddedRuntime()));

        failure.Message.ShouldStartWith($"No {nameof(IEventLog)} (the event log) is registered: the storage backend 'documents-only'");
    }

    [Fact]
    public void AddAgentRag_RuntimeWithoutActorRuntime_FailsNamingIt()
    {
        var failure = Should.Throw<InvalidOperationException>(() => new ServiceCollection().AddAgentRag(backends => backends
            .UseSqlite(new DataFolder(_directory.Path))
            .UseRuntime("nothing", _ => { })));

        failure.Message.ShouldBe(
            "No IActorRuntime (the actor runtime) is registered: the actor runtime 'nothing' (AgentRag:Runtime) must add it. UseEmbeddedRuntime() adds one.");
    }

    private AgentRagBuilder Choose(Dictionary<string, string?> settings)
    {
        AgentRagBuilder? chosen = null;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        new ServiceCollection().AddAgentRag(backends => chosen = backends.UseConfiguration(configuration, new DataFolder(_directory.Path)));
        return chosen!;
    }

    private static ServiceProvider Build(Action<AgentRagBuilder> backends)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddAgentRag(backends);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
