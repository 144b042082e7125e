using AgentRag.Core;
using AgentRag.Hosting;
using AgentRag.Mcp.Registry;
using AgentRag.Mcp.Tools;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Mcp.Tests;

/// <summary>
/// A <see cref="ToolRegistry"/> built by the product's composition root over a data folder, with the given
/// <c>AgentRag:Mcp</c> settings and a manual clock: backoffs, pings and timeouts advance only when the test says so.
/// </summary>
internal sealed class RegistryHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public RegistryHarness(string dataPath, IReadOnlyDictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(EmbeddingTestSettings.Apply(settings)).Build());
        services.AddAgentRag(backends => backends.UseSqlite(new DataFolder(dataPath)).UseEmbeddedRuntime());
        services.AddSingleton<TimeProvider>(Time);
        _services = services.BuildServiceProvider();
        Registry = _services.GetRequiredService<ToolRegistry>();
    }

    public ManualTimeProvider Time { get; } = new();

    /// <summary>The product's services around the registry (workflows, ingestion, approvals, the actor host).</summary>
    public IServiceProvider Services => _services;

    public ToolRegistry Registry { get; }

    /// <summary>The settings of a stdio server named <paramref name="name"/>: this test assembly as <see cref="TestMcpServer"/>.</summary>
    public static Dictionary<string, string?> TestServerSettings(string name, string pidFile) => new()
    {
        [$"AgentRag:Mcp:Servers:{name}:Command"] = "dotnet",
        [$"AgentRag:Mcp:Servers:{name}:Args:0"] = TestMcpServer.AssemblyPath,
        [$"AgentRag:Mcp:Servers:{name}:Args:1"] = TestMcpServer.Verb,
        [$"AgentRag:Mcp:Servers:{name}:Args:2"] = pidFile,
        [$"AgentRag:Mcp:Servers:{name}:Tools:echo:SideEffects"] = "false",
        [$"AgentRag:Mcp:Servers:{name}:Tools:hang:SideEffects"] = "false",
        [$"AgentRag:Mcp:Servers:{name}:Tools:hang:Timeout"] = "00:00:05",
        [$"AgentRag:Mcp:Servers:{name}:Tools:write_note:SideEffects"] = "true",
        [$"AgentRag:Mcp:Servers:{name}:Tools:not_offered:SideEffects"] = "false",
    };

    /// <summary>Waits (without sleeping: woken by <see cref="ToolRegistry.CatalogChanged"/>) until the catalog satisfies <paramref name="condition"/>.</summary>
    public async Task<IReadOnlyList<ToolCapability>> WaitForCatalogAsync(Func<IReadOnlyList<ToolCapability>, bool> condition, string because)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged(object? sender, EventArgs e) => changed.Release();
        Registry.CatalogChanged += OnChanged;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                var catalog = Registry.GetCatalog(Tenancy.DefaultTenant);
                if (condition(catalog))
                {
                    return catalog;
                }

                try
                {
                    await changed.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException(
                        $"The catalog never {because}: [{string.Join(", ", catalog.Select(c => c.Name))}]; servers: {string.Join("; ", Registry.GetServerStatus())}");
                }
            }
        }
        finally
        {
            Registry.CatalogChanged -= OnChanged;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        await _services.DisposeAsync();
    }
}
