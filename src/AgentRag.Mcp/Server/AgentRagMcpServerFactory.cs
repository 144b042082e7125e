using System.Reflection;
using AgentRag.Mcp.Tools;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRag.Mcp.Server;

/// <summary>
/// Builds the platform's MCP server for one tenant: the built-in tools (<see cref="BuiltInTools"/>) and the document
/// resources (<see cref="DocumentResources"/>), over the SDK's transports: stdio for <c>agentrag mcp</c>
/// (<see cref="RunStdioAsync"/>), or the stateless streamable-HTTP transport of <c>POST /mcp</c>, which configures
/// each request's server with <see cref="Configure"/>. Every tool call and resource read is scoped to the tenant the
/// server was created for. Thread-safe.
/// </summary>
public sealed class AgentRagMcpServerFactory(BuiltInTools tools, DocumentResources resources, ILoggerFactory loggerFactory, IServiceProvider services)
{
    /// <summary>The server's name in the MCP handshake.</summary>
    public const string ServerName = "agentrag";

    private const string Instructions =
        "AgentRag is a knowledge base of uploaded documents (PDF, DOCX, HTML, Markdown, text). To answer a question from them, call "
        + "`search` and read the returned passages; cite the document name and page numbers. Use `keyword_search` for exact terms or "
        + "query syntax, `get_chunk` to read a whole passage, `get_document` for a document's outline, and `list_documents` to see "
        + "what is available. When `ask` is offered it returns a finished, cited answer. Documents are also resources at "
        + "agentrag://documents/{documentId}.";

    private static readonly string Version =
        typeof(AgentRagMcpServerFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";

    /// <summary>The SDK's logs, with a client's ordinary errors as warnings without stack traces.</summary>
    private readonly ILoggerFactory _sdkLoggers = new ClientErrorLoggerFactory(loggerFactory);

    /// <summary>The server identity sent in the handshake.</summary>
    public static Implementation Implementation { get; } = new() { Name = ServerName, Title = "AgentRag knowledge base", Version = Version };

    /// <summary>
    /// Gives <paramref name="options"/> the platform's identity, instructions, and the tools and resources of
    /// <paramref name="tenantId"/>, replacing any already there. The streamable-HTTP transport calls it with a fresh
    /// options object per request; <see cref="RunStdioAsync"/> once per process. Throws <see cref="ArgumentException"/>
    /// for a malformed tenant id.
    /// </summary>
    public void Configure(McpServerOptions options, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = loggerFactory.CreateLogger("AgentRag.Mcp.Server");
        options.ServerInfo = Implementation;
        options.ServerInstructions = Instructions;
        options.Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = false } };
        options.ToolCollection = [];
        // Tools are bound to the tenant at creation and resolve nothing per request.
        options.ScopeRequests = false;
        foreach (var tool in tools.Create(tenantId))
        {
            options.ToolCollection.Add(new McpToolAdapter(tool, logger));
        }

        resources.Configure(options, tenantId);
    }

    /// <summary>
    /// Serves <paramref name="tenantId"/> over this process's standard input and output until the client closes its end
    /// or <paramref name="cancellationToken"/> fires. Standard output carries only protocol messages.
    /// </summary>
    public async Task RunStdioAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var options = new McpServerOptions();
        Configure(options, tenantId);
        await using var transport = new StdioServerTransport(options, _sdkLoggers);
        await using var server = McpServer.Create(transport, options, _sdkLoggers, services);
        await server.RunAsync(cancellationToken);
    }
}
