using System.Text.Json;
using AgentRag.Server.Hosting;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentRag.Mcp.Tests;

/// <summary>
/// R-data.pdf and R-intro.pdf ingested for the default tenant and nodejs-url.md for <see cref="OtherTenant"/> by the
/// built CLI; MCP clients connect to it over stdio (spawning <c>agentrag mcp</c>) or over HTTP (the server's
/// <c>/mcp</c>, hosted on a copy of the data folder so the two servers never share files).
/// </summary>
public sealed class McpCorpus : IAsyncLifetime
{
    public const string OtherTenant = "other-tenant";

    private readonly TempDirectory _data = new("agentrag-mcp");
    private readonly TempDirectory _httpData = new("agentrag-mcp-http");

    public string DataPath => _data.Path;

    public IReadOnlyDictionary<string, string> DocumentIds { get; private set; } = new Dictionary<string, string>();

    public ServerFactory Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var ids = new Dictionary<string, string>();
        foreach (var (tenant, files) in new[] { ("default", new[] { "R-data.pdf", "R-intro.pdf" }), (OtherTenant, ["nodejs-url.md"]) })
        {
            var result = await CliProcess.RunAsync(["ingest", .. files.Select(SharedPaths.CorpusFile), "--data", _data.Path, "--tenant", tenant, "--json"]);
            result.ExitCode.ShouldBe(0, result.ToString());
            foreach (var line in result.OutputLines)
            {
                var document = JsonDocument.Parse(line).RootElement;
                document.GetProperty("status").GetString().ShouldBe("ready", line);
                ids[Path.GetFileName(document.GetProperty("file").GetString()!)] = document.GetProperty("id").GetString()!;
            }
        }

        DocumentIds = ids;
        CopyDirectory(_data.Path, _httpData.Path);
        Http = new ServerFactory(_httpData.Path);
    }

    /// <summary>A fresh copy of the ingested data folder, for a server of a test's own.</summary>
    public TempDirectory CopyData()
    {
        var copy = new TempDirectory("agentrag-mcp-copy");
        CopyDirectory(_data.Path, copy.Path);
        return copy;
    }

    public Task<McpClient> ConnectAsync(string transport, string? tenant = null) =>
        transport == "stdio" ? ConnectStdioAsync(tenant) : ConnectHttpAsync(Http, tenant);

    /// <summary>
    /// Spawns <c>dotnet agentrag.dll mcp --data …</c> (with <paramref name="extraArguments"/>) through the SDK's stdio client
    /// transport; <paramref name="standardErrorLines"/>, when given, receives the server's standard error line by line.
    /// </summary>
    public async Task<McpClient> ConnectStdioAsync(string? tenant = null, IEnumerable<string>? extraArguments = null, Action<string>? standardErrorLines = null)
    {
        List<string> arguments = [CliProcess.CliAssemblyPath, "mcp", "--data", _data.Path, .. extraArguments ?? []];
        if (tenant is not null)
        {
            arguments.AddRange(["--tenant", tenant]);
        }

        var transport = new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = "agentrag",
                Command = "dotnet",
                Arguments = arguments,
                ShutdownTimeout = TimeSpan.FromSeconds(5),
                StandardErrorLines = standardErrorLines,
            },
            NullLoggerFactory.Instance);

        return await McpClient.CreateAsync(transport, ClientOptions());
    }

    /// <summary>
    /// The SDK gives its server/discover probe 5 s, then falls back to initialize. On a loaded machine a server that
    /// starts slower (a spawned process, or the first request to an in-memory host) answers the probe late: over stdio it
    /// then refuses the fallback, over HTTP the cancelled probe fails the connection (499). The probe waits like the
    /// handshake does.
    /// </summary>
    private static McpClientOptions ClientOptions() => new()
    {
        ClientInfo = new Implementation { Name = "tests", Version = "1" },
        DiscoverProbeTimeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Connects to <c>/mcp</c> of an in-memory server, as the tenant given (the default tenant when null).</summary>
    public static async Task<McpClient> ConnectHttpAsync(ServerFactory server, string? tenant = null)
    {
        var http = server.CreateClient();
        var headers = new Dictionary<string, string>();
        if (tenant is not null)
        {
            headers[TenantEndpointFilter.HeaderName] = tenant;
        }

        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = new Uri(http.BaseAddress!, "/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers,
            },
            http,
            NullLoggerFactory.Instance,
            ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, ClientOptions());
    }

    public Task DisposeAsync()
    {
        Http?.Dispose();
        _data.Dispose();
        _httpData.Dispose();
        return Task.CompletedTask;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
        }
    }

    /// <summary>The real server over a data folder, with optional extra services and settings.</summary>
    public sealed class ServerFactory(
        string dataPath, Action<IServiceCollection>? configureServices = null, IReadOnlyDictionary<string, string?>? settings = null)
        : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting(AgentRagWebApplicationExtensions.DataKey, dataPath);
            builder.UseSetting("log-format", "text");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                builder.UseSetting(key, value);
            }

            if (configureServices is not null)
            {
                builder.ConfigureServices(configureServices);
            }
        }
    }
}

/// <summary>Reads tool results.</summary>
internal static class ToolResults
{
    /// <summary>The JSON a successful tool call returned; fails the test with the error text otherwise.</summary>
    public static JsonElement Json(this CallToolResult result)
    {
        var text = result.Text();
        result.IsError.ShouldNotBe(true, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Text(this CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    public static Dictionary<string, object?> Args(params (string Name, object? Value)[] arguments) =>
        arguments.ToDictionary(a => a.Name, a => a.Value);
}
