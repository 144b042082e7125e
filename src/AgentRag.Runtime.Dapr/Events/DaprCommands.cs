using System.Text.Json;
using global::Dapr;
using global::Dapr.Client;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Runtime.Dapr.Events;

/// <summary>The outcome of one command, as the app answers the sidecar's delivery.</summary>
public enum DaprCommandOutcome
{
    /// <summary>Done (or already done): the sidecar must not deliver it again.</summary>
    Handled,

    /// <summary>Malformed or naming nothing that can be acted on: dropped, not retried.</summary>
    Invalid,
}

/// <summary>
/// Handles one kind of command the app consumes from <see cref="DaprRuntimeOptions.CommandsTopic"/> (the CloudEvent's
/// <c>data</c> is <c>{"type": <see cref="CommandType"/>, …}</c>). An exception asks the sidecar to deliver it again.
/// </summary>
public interface IDaprCommandHandler
{
    string CommandType { get; }

    Task<DaprCommandOutcome> HandleAsync(JsonElement command, CancellationToken cancellationToken);
}

/// <summary>
/// What the app consumes through Dapr pub/sub: <c>GET /dapr/subscribe</c> declares the subscription (the commands topic,
/// delivered to <c>POST /dapr/commands</c>), and each delivered CloudEvent is handled once: its <c>id</c> is recorded
/// first-write-wins in <see cref="DaprRuntimeOptions.StateStore"/>, so a redelivery (at-least-once brokers) answers
/// SUCCESS without handling it again.
/// </summary>
internal static partial class DaprCommands
{
    public const string Route = "/dapr/commands";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/dapr/subscribe", (IOptions<DaprRuntimeOptions> options) =>
            TypedResults.Json(new[] { new { pubsubname = options.Value.PubSub, topic = options.Value.CommandsTopic, route = Route } })).AllowAnonymous();
        endpoints.MapPost(Route, HandleAsync).AllowAnonymous();
    }

    /// <summary>
    /// Answers as Dapr's pub/sub API expects (reference/api/pubsub_api, "Expected HTTP response"): 200 with
    /// <c>{"status": "SUCCESS"}</c> when handled (or handled before), <c>DROP</c> for a malformed or unknown command,
    /// <c>RETRY</c> when handling failed.
    /// </summary>
    private static async Task<IResult> HandleAsync(HttpRequest request, DaprClient dapr, IEnumerable<IDaprCommandHandler> handlers,
        IOptions<DaprRuntimeOptions> options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(DaprCommands).FullName!);
        JsonElement cloudEvent;
        try
        {
            cloudEvent = (await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken)).RootElement;
        }
        catch (JsonException ex)
        {
            LogDropped(logger, "(unparsed)", ex.Message);
            return Status("DROP");
        }

        var id = cloudEvent.ValueKind == JsonValueKind.Object && cloudEvent.TryGetProperty("id", out var idValue) ? idValue.GetString() : null;
        var data = cloudEvent.ValueKind == JsonValueKind.Object && cloudEvent.TryGetProperty("data", out var dataValue) ? dataValue : default;
        var type = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("type", out var typeValue) ? typeValue.GetString() : null;
        var handler = handlers.FirstOrDefault(h => h.CommandType == type);
        if (string.IsNullOrEmpty(id) || handler is null)
        {
            LogDropped(logger, id ?? "(no id)", id is null ? "the CloudEvent has no id" : $"no handler for the command type '{type}'");
            return Status("DROP");
        }

        var marker = $"command:{id}";
        try
        {
            await dapr.SaveStateAsync(options.Value.StateStore, marker, time.GetUtcNow(), new StateOptions { Concurrency = ConcurrencyMode.FirstWrite }, cancellationToken: cancellationToken);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Aborted })
        {
            return Status("SUCCESS"); // delivered before: handled once already
        }

        try
        {
            var outcome = await handler.HandleAsync(data, cancellationToken);
            if (outcome == DaprCommandOutcome.Invalid)
            {
                LogDropped(logger, id, $"the {type} command is invalid");
                return Status("DROP");
            }

            return Status("SUCCESS");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRetry(logger, ex, id, type!);
            await dapr.DeleteStateAsync(options.Value.StateStore, marker, cancellationToken: CancellationToken.None);
            return Status("RETRY");
        }
    }

    private static IResult Status(string status) => TypedResults.Json(new { status });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped the command {Id} delivered by the Dapr sidecar: {Reason}.")]
    private static partial void LogDropped(ILogger logger, string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The command {Id} ({Type}) failed; the sidecar will deliver it again.")]
    private static partial void LogRetry(ILogger logger, Exception exception, string id, string type);
}
