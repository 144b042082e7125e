using System.Collections.Concurrent;
using System.Net.Http.Headers;
using AgentRag.Core;
using AgentRag.Core.Security;
using AgentRag.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// Named callers of an open-mode test server: each person gets a platform-admin key of the default tenant (so
/// <c>X-Tenant-ID</c> still works), and requests are sent with it. The server records the caller as <c>name (key_…)</c>.
/// </summary>
public sealed class CallerKeys(IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<IssuedApiKey>>> _keys = new();

    public Task<IssuedApiKey> ForAsync(string user) =>
        _keys.GetOrAdd(user, name => new Lazy<Task<IssuedApiKey>>(() => services.GetRequiredService<ApiKeyService>()
            .CreateAsync(Tenancy.DefaultTenant, TenantRole.Admin, name, expiresAt: null, platformAdmin: true))).Value;

    /// <summary>How the server names <paramref name="user"/> in audits and decisions.</summary>
    public async Task<string> IdentityAsync(string user) => $"{user} ({(await ForAsync(user)).Record.Id})";

    /// <summary>Sends <paramref name="request"/> as <paramref name="user"/>; as the open-mode local caller when null.</summary>
    public async Task<HttpRequestMessage> AsAsync(HttpRequestMessage request, string? user)
    {
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await ForAsync(user)).Key);
        }

        return request;
    }
}
