using System.Text.Json;
using AgentRag.Mcp.Server;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.Features;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/mcp</c>: the platform's MCP server over streamable HTTP, stateless. Each <c>POST</c> carries one JSON-RPC
/// message and is served by a fresh MCP server for the caller's tenant (<c>X-Tenant-ID</c>, resolved by
/// <see cref="TenantEndpointFilter"/>); responses stream back as server-sent events. With no session there is no
/// server-initiated stream to open or session to end, so <c>GET</c> and <c>DELETE</c> answer 405, as the transport
/// specification prescribes for such servers.
/// </summary>
public static class McpApi
{
    public const string Route = "/mcp";

    private const string ProtocolVersionHeader = "MCP-Protocol-Version";
    private const string SessionIdHeader = "Mcp-Session-Id";

    public static RouteGroupBuilder MapMcpApi(this IEndpointRouteBuilder app)
    {
        var mcp = app.MapGroup(Route).WithTags("MCP").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer).ExcludeFromDescription();
        mcp.MapPost("/", PostAsync);
        mcp.MapMethods("/", [HttpMethods.Get, HttpMethods.Delete], MethodNotAllowedAsync);
        return mcp;
    }

    internal static async Task PostAsync(
        HttpContext context, TenantId tenant, AgentRagMcpServerFactory factory, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var accept = request.GetTypedHeaders().Accept;
        if (!accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || a.MediaType.Equals("*/*", StringComparison.Ordinal))
            || !accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase) || a.MediaType.Equals("*/*", StringComparison.Ordinal)))
        {
            await WriteErrorAsync(context, StatusCodes.Status406NotAcceptable, -32000,
                "Not Acceptable: the Accept header must list both application/json and text/event-stream.");
            return;
        }

        if (!string.IsNullOrEmpty(request.Headers[SessionIdHeader]))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, -32000,
                $"Bad Request: this server is stateless and does not use the {SessionIdHeader} header.");
            return;
        }

        JsonRpcMessage? message;
        try
        {
            message = await JsonSerializer.DeserializeAsync(request.Body, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)), cancellationToken) as JsonRpcMessage;
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, (int)McpErrorCode.ParseError,
                $"Parse error: the body is not one JSON-RPC message ({ex.Message})");
            return;
        }

        if (message is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, (int)McpErrorCode.InvalidRequest, "Invalid request: the body is empty.");
            return;
        }

        if (request.Headers[ProtocolVersionHeader].ToString() is { Length: > 0 } protocolVersion)
        {
            message.Context ??= new JsonRpcMessageContext();
            message.Context.ProtocolVersion = protocolVersion;
        }

        McpServerOptions options;
        try
        {
            options = factory.CreateOptions(tenant.Value);
        }
        catch (ArgumentException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, (int)McpErrorCode.InvalidRequest, ex.Message);
            return;
        }

        await using var transport = new StreamableHttpServerTransport(loggerFactory) { Stateless = true };
        await using var server = McpServer.Create(transport, options, loggerFactory, context.RequestServices);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var serverRun = server.RunAsync(running.Token);
        try
        {
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache,no-store";
            context.Response.Headers.ContentEncoding = "identity";
            context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
            if (!await transport.HandlePostRequestAsync(message, context.Response.Body, cancellationToken))
            {
                // A notification or a response: nothing to answer.
                context.Response.Headers.ContentType = (string?)null;
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
        }
        finally
        {
            await running.CancelAsync();
            try
            {
                await serverRun;
            }
            catch (OperationCanceledException)
            {
                // The exchange is over; the per-request server stops with it.
            }
        }
    }

    private static Task MethodNotAllowedAsync(HttpContext context)
    {
        context.Response.Headers.Allow = HttpMethods.Post;
        return WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, -32000,
            $"Method Not Allowed: this MCP server is stateless; send each JSON-RPC message with POST {Route}.");
    }

    private static Task WriteErrorAsync(HttpContext context, int statusCode, int code, string message) =>
        Results.Json(
                new JsonRpcError { Id = default, Error = new JsonRpcErrorDetail { Code = code, Message = message } },
                McpJsonUtilities.DefaultOptions,
                statusCode: statusCode)
            .ExecuteAsync(context);
}
