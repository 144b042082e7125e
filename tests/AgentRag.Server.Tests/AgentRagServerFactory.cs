using AgentRag.Server.Hosting;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests;

/// <summary>The real server over a temp data folder of its own, with optional extra settings, services and clock.</summary>
public sealed class AgentRagServerFactory(
    IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null, TimeProvider? time = null)
    : WebApplicationFactory<Program>
{
    private readonly TempDirectory _data = new("agentrag-server");

    public string DataPath => _data.Path;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(AgentRagWebApplicationExtensions.DataKey, _data.Path);
        builder.UseSetting("log-format", "text");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }

        if (time is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(time));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}
