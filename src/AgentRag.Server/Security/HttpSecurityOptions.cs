using System.ComponentModel.DataAnnotations;
using System.Net;
using AgentRag.Server.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Security;

/// <summary>
/// What browsers, host names and proxies the HTTP host trusts (section <c>AgentRag:Server</c>, beside
/// <see cref="ServerOptions"/>). The defaults suit a laptop: loopback host names only, no CORS, no proxy.
/// </summary>
public sealed class HttpSecurityOptions
{
    public const string SectionName = ServerOptions.SectionName;

    /// <summary>The policy sent on every response that has none of its own: API responses are never rendered or framed.</summary>
    public const string DefaultContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The host names served when <see cref="AllowedHosts"/> is empty.</summary>
    public static IReadOnlyList<string> LoopbackHosts { get; } = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// Host names (no scheme, port or path; <c>*.example.com</c> for subdomains, <c>*</c> for any) a request's
    /// <c>Host</c> may name; any other gets 400. Empty means <see cref="LoopbackHosts"/>. A non-empty list replaces them.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Cross-origin browser access (off while <see cref="CorsSettings.AllowedOrigins"/> is empty).</summary>
    public CorsSettings Cors { get; set; } = new();

    /// <summary>The <c>Content-Security-Policy</c> of responses that set none themselves; empty sends none.</summary>
    public string ContentSecurityPolicy { get; set; } = DefaultContentSecurityPolicy;

    /// <summary>Addresses of reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are applied.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. <c>10.0.0.0/8</c>) of reverse proxies whose forwarded headers are applied.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Most <c>X-Forwarded-For</c> entries applied, from the right: one per known proxy in the chain.</summary>
    [Range(1, 64)]
    public int ForwardLimit { get; set; } = 1;

    /// <summary><c>Strict-Transport-Security</c> max-age on HTTPS responses to non-loopback hosts; zero sends none.</summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary><see cref="AllowedHosts"/>, or <see cref="LoopbackHosts"/> when none are configured.</summary>
    public IReadOnlyList<string> EffectiveAllowedHosts => AllowedHosts.Count > 0 ? AllowedHosts : LoopbackHosts;

    /// <summary>Whether forwarded headers are applied at all (some proxy or network is configured).</summary>
    public bool TrustsProxies => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>Section <c>AgentRag:Server:Cors</c>.</summary>
    public sealed class CorsSettings
    {
        /// <summary>
        /// Origins (<c>scheme://host[:port]</c>) of web pages that may call the API from a browser: they get CORS
        /// headers and pass the origin check on state-changing requests. Empty turns CORS off.
        /// </summary>
        public List<string> AllowedOrigins { get; set; } = [];

        /// <summary>How long a browser may cache a preflight answer.</summary>
        public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromMinutes(10);
    }
}

/// <summary>
/// Checks every address, origin and host name in <see cref="HttpSecurityOptions"/>, and refuses the ASP.NET Core
/// settings that would silently bypass them (<c>AllowedHosts</c>, <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>).
/// </summary>
internal sealed class HttpSecurityOptionsValidator(IConfiguration configuration) : IValidateOptions<HttpSecurityOptions>
{
    private const string Section = HttpSecurityOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, HttpSecurityOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(configuration["AllowedHosts"]))
        {
            failures.Add($"AllowedHosts is set ('{configuration["AllowedHosts"]}'), but AgentRag serves the host names in {Section}:AllowedHosts: move them there.");
        }

        if (string.Equals(configuration["FORWARDEDHEADERS_ENABLED"], "true", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"ASPNETCORE_FORWARDEDHEADERS_ENABLED trusts X-Forwarded-* headers from any client: unset it and name the proxies in {Section}:KnownProxies or {Section}:KnownNetworks.");
        }

        for (var i = 0; i < options.AllowedHosts.Count; i++)
        {
            if (!IsHostPattern(options.AllowedHosts[i]))
            {
                failures.Add($"{Section}:AllowedHosts:{i} ('{options.AllowedHosts[i]}') is not a host name: give the name alone, without scheme, port or path (e.g. rag.example.com, *.example.com, [::1]).");
            }
        }

        for (var i = 0; i < options.Cors.AllowedOrigins.Count; i++)
        {
            if (BrowserOrigins.Normalize(options.Cors.AllowedOrigins[i]) is null)
            {
                failures.Add($"{Section}:Cors:AllowedOrigins:{i} ('{options.Cors.AllowedOrigins[i]}') is not an origin: give the scheme://host[:port] of a page that may call the API (no path, no wildcard).");
            }
        }

        if (options.Cors.PreflightMaxAge < TimeSpan.Zero)
        {
            failures.Add($"{Section}:Cors:PreflightMaxAge must not be negative.");
        }

        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(options.KnownProxies[i], out _))
            {
                failures.Add($"{Section}:KnownProxies:{i} ('{options.KnownProxies[i]}') is not an IP address.");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Count; i++)
        {
            if (!options.KnownNetworks[i].Contains('/', StringComparison.Ordinal) || !IPNetwork.TryParse(options.KnownNetworks[i], out _))
            {
                failures.Add($"{Section}:KnownNetworks:{i} ('{options.KnownNetworks[i]}') is not a network in CIDR notation with no host bits set (e.g. 10.0.0.0/8).");
            }
        }

        if (options.ContentSecurityPolicy.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            failures.Add($"{Section}:ContentSecurityPolicy must be one line.");
        }

        if (options.HstsMaxAge < TimeSpan.Zero)
        {
            failures.Add($"{Section}:HstsMaxAge must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHostPattern(string host)
    {
        if (host == "*")
        {
            return true;
        }

        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        return Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4
            || (name.StartsWith('[') && name.EndsWith(']') && Uri.CheckHostName(name[1..^1]) == UriHostNameType.IPv6);
    }
}
