using System.Collections.Concurrent;
using System.Net.Http.Headers;
using AgentRag.Core.Security;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Server.Tests.Security;

/// <summary>
/// The real server in required-auth mode over a temp data folder, on a manual clock, with every log line captured (at
/// Trace level) so tests can prove that no secret is ever written.
/// </summary>
public class SecureServerFactory : WebApplicationFactory<Program>
{
    /// <summary>The key-hashing secret this server uses.</summary>
    public const string KeySecret = "test-key-secret-0123456789abcdef0123456789";

    private readonly TempDirectory _data = new("agentrag-secure");

    /// <summary>Extra settings of a derived server.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    public CapturedLogs Logs { get; } = new();

    public string DataPath => _data.Path;

    public ApiKeyService Keys => Services.GetRequiredService<ApiKeyService>();

    /// <summary>A new key of <paramref name="tenant"/> with <paramref name="role"/>; returns the key itself.</summary>
    public async Task<IssuedApiKey> CreateKeyAsync(string tenant, TenantRole role, bool platformAdmin = false, DateTimeOffset? expiresAt = null) =>
        await Keys.CreateAsync(tenant, role, $"{tenant}-{TenantRoles.Name(role)}", expiresAt, platformAdmin);

    /// <summary>A client that presents <paramref name="key"/> as a bearer token (none when null).</summary>
    public HttpClient ClientWith(string? key, string? tenantHeader = null)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (tenantHeader is not null)
        {
            client.DefaultRequestHeaders.Add(TenantEndpointFilter.HeaderName, tenantHeader);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(AgentRagWebApplicationExtensions.DataKey, _data.Path);
        builder.UseSetting("log-format", "text");
        builder.UseSetting("AgentRag:Auth:Mode", "Required");
        builder.UseSetting("AgentRag:Auth:KeySecret", KeySecret);
        // The manual clock never leaves the first rate-limit window; tests of the limit itself set their own.
        builder.UseSetting("AgentRag:Limits:RequestsPerWindow", "1000000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
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

/// <summary>Every log message and scope value written through the host's loggers, rendered as text.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
