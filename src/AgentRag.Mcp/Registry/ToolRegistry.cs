using AgentRag.Mcp.Tools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Mcp.Registry;

/// <summary>
/// The tools agents may use: the platform's built-in read-only tools (search, documents, chunks; not <c>ask</c>, which
/// would start a workflow inside a workflow) plus the allow-listed tools of the external MCP servers configured under
/// <c>AgentRag:Mcp:Servers</c>. External tools are listed only while their server is up; <see cref="CatalogChanged"/>
/// fires when they come and go. Start it once (<see cref="Start"/>, done by the host at startup); dispose it to stop
/// the external servers. Thread-safe.
/// </summary>
public sealed class ToolRegistry : IAsyncDisposable
{
    private readonly BuiltInTools _builtIns;
    private readonly IReadOnlyList<ExternalMcpServer> _servers;

    public ToolRegistry(BuiltInTools builtIns, IOptions<ExternalToolsOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _builtIns = builtIns;
        var settings = options.Value;
        _servers = [.. settings.Servers
            .Where(s => s.Value is { Enabled: true })
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new ExternalMcpServer(s.Key, s.Value, settings, timeProvider, loggerFactory, OnToolsChanged))];
    }

    /// <summary>Raised (on a background thread) when external tools join or leave the catalog.</summary>
    public event EventHandler? CatalogChanged;

    /// <summary>Connects the external servers in the background; a server that is down does not delay startup. Idempotent.</summary>
    public void Start()
    {
        foreach (var server in _servers)
        {
            server.Start();
        }
    }

    /// <summary>The tools available now for <paramref name="tenantId"/>: built-ins bound to the tenant, then external tools by name.</summary>
    public IReadOnlyList<AgentTool> GetTools(string tenantId) =>
    [
        .. _builtIns.Create(tenantId).Where(t => t is not AskTool),
        .. _servers.SelectMany(s => s.Tools).OrderBy(t => t.Name, StringComparer.Ordinal),
    ];

    /// <summary>The tool named <paramref name="name"/> if it is available now, else null.</summary>
    public AgentTool? FindTool(string tenantId, string name) =>
        GetTools(tenantId).FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    /// <summary>What the planner sees: each available tool's name, description, side effects, source and schema.</summary>
    public IReadOnlyList<ToolCapability> GetCatalog(string tenantId) => [.. GetTools(tenantId).Select(t => t.ToCapability())];

    /// <summary>The external servers' states, by name.</summary>
    public IReadOnlyList<ExternalServerStatus> GetServerStatus() => [.. _servers.Select(s => s.Status)];

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private void OnToolsChanged() => CatalogChanged?.Invoke(this, EventArgs.Empty);
}
