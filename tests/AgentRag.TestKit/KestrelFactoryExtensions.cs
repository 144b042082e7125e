using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.TestKit;

/// <summary>Serves a <see cref="WebApplicationFactory{TEntryPoint}"/> over a real socket, for clients outside the test process.</summary>
public static class KestrelFactoryExtensions
{
    /// <summary>
    /// Starts the factory's server on Kestrel at a free loopback port and returns its address. Call it before anything
    /// else starts the server (<c>CreateClient</c>, <c>Services</c>).
    /// </summary>
    public static Uri StartOnKestrel<TEntryPoint>(this WebApplicationFactory<TEntryPoint> factory)
        where TEntryPoint : class
    {
        factory.UseKestrel(0);
        factory.StartServer();
        return new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}
