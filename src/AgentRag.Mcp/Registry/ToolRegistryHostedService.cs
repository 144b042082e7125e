using Microsoft.Extensions.Hosting;

namespace AgentRag.Mcp.Registry;

/// <summary>Starts the <see cref="ToolRegistry"/>'s external servers with the host and stops them with it.</summary>
internal sealed class ToolRegistryHostedService(ToolRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        registry.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await registry.DisposeAsync();
}
