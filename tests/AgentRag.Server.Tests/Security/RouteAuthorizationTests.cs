using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AgentRag.Core.Security;
using AgentRag.Server.Apis;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Security;

/// <summary>The route × role matrix of docs/security.md, checked against the running server's endpoints.</summary>
public sealed partial class RouteAuthorizationTests(SecureServerFactory factory) : IClassFixture<SecureServerFactory>
{
    /// <summary>The only endpoints a caller without a credential may reach.</summary>
    private static readonly string[] AnonymousRoutes = ["/health/live", "/health/ready", "/health/startup", "/openapi/{documentName}.json", "/v1/auth/status", "/v1/shared/{token}"];

    private sealed record MatrixRow(string Method, string Route, string LeastRole);

    [Fact]
    public void Endpoints_EveryOneHasAPolicyOrIsListedAnonymous_AndMatchesTheDocumentedMatrix()
    {
        var matrix = ReadMatrix().ToDictionary(r => $"{r.Method} {r.Route}", r => r.LeastRole);
        var problems = new List<string>();
        var seen = new HashSet<string>();
        foreach (var (method, route, metadata) in Endpoints())
        {
            var key = $"{method} {route}";
            seen.Add(key);
            var policies = metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
            if (metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                // The web console's static files (index.html, the runtime, styles) hold no data and need no credential.
                if (!AnonymousRoutes.Contains(route) && metadata.GetMetadata<Web.ConsoleAsset>() is null)
                {
                    problems.Add($"{key} allows anonymous callers but is not on the anonymous list.");
                }

                continue;
            }

            if (route == MetricsApi.Path)
            {
                // The scrape endpoint has a rule of its own, documented under the matrix (loopback in open mode; a platform
                // administrator or the scrape key in required mode) and checked by MetricsAccessTests.
                if (!metadata.GetOrderedMetadata<AuthorizationPolicy>().SelectMany(p => p.Requirements).OfType<MetricsApi.MetricsReaderRequirement>().Any())
                {
                    problems.Add($"{key} lacks the metrics reader requirement.");
                }

                continue;
            }

            if (policies.Count == 0 || policies.Any(p => !AuthPolicies.All.Contains(p)))
            {
                problems.Add($"{key} has no AgentRag authorization policy ({string.Join(", ", policies)}).");
                continue;
            }

            var strongest = policies.MaxBy(p => AuthPolicies.All.ToList().IndexOf(p))!;
            if (!matrix.TryGetValue(key, out var documented))
            {
                problems.Add($"{key} ({strongest}) is missing from the matrix in docs/security.md.");
            }
            else if (documented != strongest)
            {
                problems.Add($"{key} requires {strongest} but docs/security.md says {documented}.");
            }
        }

        problems.AddRange(matrix.Keys.Where(k => !seen.Contains(k)).Select(k => $"docs/security.md lists {k}, which the server does not have."));
        problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task Matrix_EveryRouteAndRole_AllowedOrForbidden()
    {
        var clients = new Dictionary<string, HttpClient>();
        foreach (var role in new[] { TenantRole.Viewer, TenantRole.Member, TenantRole.Admin })
        {
            clients[TenantRoles.Name(role)] = factory.ClientWith((await factory.CreateKeyAsync("matrix", role)).Key);
        }

        clients[AuthPolicies.PlatformAdmin] = factory.ClientWith((await factory.CreateKeyAsync("matrix", TenantRole.Admin, platformAdmin: true)).Key);
        var anonymous = factory.ClientWith(null);
        var order = AuthPolicies.All.ToList();
        var failures = new List<string>();
        foreach (var row in ReadMatrix())
        {
            foreach (var (role, client) in clients)
            {
                var allowed = order.IndexOf(role) >= order.IndexOf(row.LeastRole);
                var status = await SendAsync(client, row);
                if (allowed ? status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden : status != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{row.Method} {row.Route} as {role}: {(int)status} (expected {(allowed ? "allowed" : "403")})");
                }
            }

            if (await SendAsync(anonymous, row) != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{row.Method} {row.Route} without a credential: not 401");
            }
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnonymousRoutes_NeedNoCredential()
    {
        var anonymous = factory.ClientWith(null);
        foreach (var path in new[] { "/health/live", "/health/ready", "/health/startup", "/openapi/v1.json", "/v1/auth/status", "/", "/documents", "/_framework/blazor.webassembly.js" })
        {
            using var response = await anonymous.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }
    }

    /// <summary>Sends the row's request with placeholder ids and a minimal body; returns the status (SSE streams are not read).</summary>
    private static async Task<HttpStatusCode> SendAsync(HttpClient client, MatrixRow row)
    {
        var path = RouteParameter().Replace(row.Route, m => m.Groups[1].Value == "number" ? "1" : "unknown-id");
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), path);
        if (row.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (path == "/mcp")
        {
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        return response.StatusCode;
    }

    private IEnumerable<(string Method, string Route, EndpointMetadataCollection Metadata)> Endpoints()
    {
        foreach (var endpoint in factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var route = Normalize(endpoint.RoutePattern.RawText!);
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
            {
                yield return (method, route, endpoint.Metadata);
            }
        }
    }

    /// <summary>Route text as the matrix writes it: leading slash, no trailing slash, no parameter constraints.</summary>
    private static string Normalize(string raw)
    {
        var route = "/" + RouteConstraint().Replace(raw, "}").Trim('/');
        return route;
    }

    private static IReadOnlyList<MatrixRow> ReadMatrix()
    {
        var lines = File.ReadAllLines(Path.Combine(SharedPaths.RepositoryRoot, "docs", "security.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("### Route × role matrix", StringComparison.Ordinal));
        start.ShouldBeGreaterThan(-1, "docs/security.md has no '### Route × role matrix' section");
        var rows = new List<MatrixRow>();
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith('#')))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length == 3 && cells[0] is "GET" or "POST" or "PUT" or "PATCH" or "DELETE")
            {
                AuthPolicies.All.ShouldContain(cells[2], $"unknown role in '{line}'");
                rows.Add(new MatrixRow(cells[0], cells[1], cells[2]));
            }
        }

        rows.Count.ShouldBeGreaterThan(20);
        return rows;
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@":[^}]+\}")]
    private static partial Regex RouteConstraint();
}
