using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AgentRag.Server.Security;

/// <summary>
/// Supplies the JWT bearer handler with signing keys from a JSON Web Key Set file (read once) or URL (fetched at first
/// use, again every <see cref="JwtOptions.JwksRefreshInterval"/> and on <see cref="RequestRefresh"/>; a failed refresh
/// keeps the last good set). Thread-safe.
/// </summary>
public sealed class JwksConfigurationManager : IConfigurationManager<OpenIdConnectConfiguration>
{
    private readonly JwtOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private OpenIdConnectConfiguration? _current;
    private DateTimeOffset _refreshAt;

    public JwksConfigurationManager(JwtOptions options, HttpClient http, TimeProvider time)
    {
        _options = options;
        _http = http;
        _time = time;
        if (options.JwksUrl is { } url && options.RequireHttpsMetadata && url.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException(
                $"AgentRag:Auth:Jwt:JwksUrl must use https ({url}); set AgentRag:Auth:Jwt:RequireHttpsMetadata=false only for tests on loopback.");
        }
    }

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        if (_current is { } current && _time.GetUtcNow() < _refreshAt)
        {
            return current;
        }

        await _gate.WaitAsync(cancel);
        try
        {
            if (_current is { } fresh && _time.GetUtcNow() < _refreshAt)
            {
                return fresh;
            }

            try
            {
                _current = Configuration(await LoadAsync(cancel));
                _refreshAt = _options.JwksUrl is null ? DateTimeOffset.MaxValue : _time.GetUtcNow() + _options.JwksRefreshInterval;
            }
            catch (Exception ex) when (_current is not null && ex is HttpRequestException or IOException or ArgumentException or TaskCanceledException)
            {
                // Keep the last good key set; try again after a short pause rather than on every request.
                _refreshAt = _time.GetUtcNow() + TimeSpan.FromMinutes(1);
            }

            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void RequestRefresh() => _refreshAt = DateTimeOffset.MinValue;

    private async Task<string> LoadAsync(CancellationToken cancel)
    {
        if (_options.JwksFile is { } file)
        {
            return await File.ReadAllTextAsync(file, cancel);
        }

        using var response = await _http.GetAsync(_options.JwksUrl, cancel);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancel);
    }

    private static OpenIdConnectConfiguration Configuration(string json)
    {
        var set = new JsonWebKeySet(json);
        var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = set };
        foreach (var key in set.GetSigningKeys())
        {
            configuration.SigningKeys.Add(key);
        }

        return configuration;
    }
}
