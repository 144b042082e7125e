using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace AgentRag.Runtime.Dapr.Tests.Sidecar;

/// <summary>
/// The methods of Dapr's gRPC service (<c>dapr.proto.runtime.v1.Dapr</c>) that the app calls through Dapr.Client, and
/// nothing else: <c>GetState</c>, <c>SaveState</c>, <c>DeleteState</c>, <c>PublishEvent</c>, <c>GetSecret</c>. The message types are
/// Dapr.Protos' own; the package ships no server base for this service, so <see cref="BindService"/> binds these
/// methods by name, as generated code would (Grpc.AspNetCore finds each handler as a virtual method of the bound type,
/// hence the virtual methods of an unsealed class). Thread-safe.
/// </summary>
[BindServiceMethod(typeof(DaprGrpcService), nameof(BindService))]
public class DaprGrpcService(DaprSidecarDouble sidecar)
{
    private const string ServiceName = "dapr.proto.runtime.v1.Dapr";

    private readonly Dictionary<(string Store, string Key), (ByteString Value, long Version)> _state = [];
    private readonly Lock _stateGate = new();
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly ConcurrentQueue<PublishEventRequest> _published = new();
    private readonly SemaphoreSlim _delivered = new(0);
    private List<(string PubSub, string Topic, string Route)> _subscriptions = [];

    /// <summary>The secrets the secret stores hold: (store, secret name) → its keys and values.</summary>
    public ConcurrentDictionary<(string Store, string Name), Dictionary<string, string>> Secrets { get; } = new();

    /// <summary>What the app published, in order.</summary>
    public IReadOnlyList<PublishEventRequest> Published => [.. _published];

    /// <summary>Every delivery to the app: the CloudEvent sent and the app's answer.</summary>
    public IReadOnlyList<Delivery> Deliveries => [.. _deliveries];

    /// <summary>The subscriptions the app declared in <c>GET /dapr/subscribe</c>.</summary>
    public IReadOnlyList<(string PubSub, string Topic, string Route)> Subscriptions => _subscriptions;

    /// <summary>The stored value of <paramref name="key"/> in <paramref name="store"/> and its ETag, or null.</summary>
    public (string Value, string ETag)? StoredState(string store, string key)
    {
        lock (_stateGate)
        {
            return _state.TryGetValue((store, key), out var entry) ? (entry.Value.ToStringUtf8(), ETag(entry.Version)) : null;
        }
    }

    /// <summary>Waits until <paramref name="count"/> deliveries in all have been answered (at most 30 s).</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForDeliveriesAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (_deliveries.Count < count)
        {
            await _delivered.WaitAsync(timeout.Token);
        }

        return Deliveries;
    }

    public static void BindService(ServiceBinderBase binder, DaprGrpcService? service)
    {
        binder.AddMethod(Unary<GetStateRequest, GetStateResponse>(nameof(GetState)), (UnaryServerMethod<GetStateRequest, GetStateResponse>?)null!);
        binder.AddMethod(Unary<SaveStateRequest, Empty>(nameof(SaveState)), (UnaryServerMethod<SaveStateRequest, Empty>?)null!);
        binder.AddMethod(Unary<DeleteStateRequest, Empty>(nameof(DeleteState)), (UnaryServerMethod<DeleteStateRequest, Empty>?)null!);
        binder.AddMethod(Unary<PublishEventRequest, Empty>(nameof(PublishEvent)), (UnaryServerMethod<PublishEventRequest, Empty>?)null!);
        binder.AddMethod(Unary<GetSecretRequest, GetSecretResponse>(nameof(GetSecret)), (UnaryServerMethod<GetSecretRequest, GetSecretResponse>?)null!);
    }

    /// <summary>
    /// <c>GetState</c> (State API, "Get state"): the value and its ETag; an empty response (no data, no ETag) when the key
    /// is not found.
    /// </summary>
    public virtual Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        lock (_stateGate)
        {
            return Task.FromResult(_state.TryGetValue((request.StoreName, request.Key), out var entry)
                ? new GetStateResponse { Data = entry.Value, Etag = ETag(entry.Version) }
                : new GetStateResponse());
        }
    }

    /// <summary>
    /// <c>SaveState</c> (State API, "Save state" and "Optimistic concurrency"): each item is written only when its ETag, if
    /// given, matches the stored one; an item without an ETag is written whatever is stored (last-write-wins) unless its
    /// concurrency is first-write, when it is written only if nothing is stored under the key. A mismatch fails the call with
    /// <c>ABORTED</c> ("possible etag mismatch") and writes none of the items. Every write gives the key a new ETag.
    /// </summary>
    public virtual Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        lock (_stateGate)
        {
            foreach (var item in request.States)
            {
                var exists = _state.TryGetValue((request.StoreName, item.Key), out var stored);
                var etag = item.Etag?.Value;
                var mismatch = !string.IsNullOrEmpty(etag)
                    ? !exists || ETag(stored.Version) != etag
                    : item.Options?.Concurrency == StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite && exists;
                if (mismatch)
                {
                    throw new RpcException(new Status(StatusCode.Aborted,
                        $"failed saving state in state store {request.StoreName}: possible etag mismatch. error from state store: key {item.Key}"));
                }
            }

            foreach (var item in request.States)
            {
                var version = _state.TryGetValue((request.StoreName, item.Key), out var stored) ? stored.Version + 1 : 1;
                _state[(request.StoreName, item.Key)] = (item.Value, version);
            }
        }

        return Task.FromResult(new Empty());
    }

    /// <summary>
    /// <c>DeleteState</c> (State API, "Delete state"): removes the key, when an ETag is given only if it matches
    /// (<c>ABORTED</c> otherwise); deleting a missing key succeeds.
    /// </summary>
    public virtual Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        lock (_stateGate)
        {
            if (request.Etag?.Value is { Length: > 0 } etag
                && (!_state.TryGetValue((request.StoreName, request.Key), out var stored) || ETag(stored.Version) != etag))
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"failed deleting state with key {request.Key}: possible etag mismatch"));
            }

            _state.Remove((request.StoreName, request.Key));
        }

        return Task.FromResult(new Empty());
    }

    /// <summary>
    /// <c>PublishEvent</c> (Pub/sub API, "Publish a message"): the data is wrapped in a CloudEvents 1.0 envelope
    /// (<c>specversion</c>, <c>id</c>, <c>source</c>, <c>type</c> <c>com.dapr.event.sent</c>, <c>datacontenttype</c>,
    /// <c>data</c>, plus Dapr's <c>topic</c>, <c>pubsubname</c>, <c>time</c>) and delivered, after the call returns, to the
    /// route the app subscribed for the topic with <c>Content-Type: application/cloudevents+json</c>.
    /// </summary>
    public virtual Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        _published.Enqueue(request);
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = "agentrag",
            ["type"] = "com.dapr.event.sent",
            ["datacontenttype"] = string.IsNullOrEmpty(request.DataContentType) ? "application/json" : request.DataContentType,
            ["topic"] = request.Topic,
            ["pubsubname"] = request.PubsubName,
            ["time"] = sidecar.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture),
        };
        var data = request.Data.ToStringUtf8();
        envelope["data"] = envelope["datacontenttype"]!.GetValue<string>().Contains("json", StringComparison.Ordinal) ? JsonNode.Parse(data) : data;
        foreach (var (pubSub, topic, route) in _subscriptions.Where(s => s.PubSub == request.PubsubName && s.Topic == request.Topic))
        {
            _ = DeliverAsync(route, envelope.DeepClone().AsObject());
        }

        return Task.FromResult(new Empty());
    }

    /// <summary>
    /// Delivers <paramref name="cloudEvent"/> to <paramref name="route"/> as daprd does (Pub/sub API, "Deliver events to
    /// subscribed topics"): <c>POST</c> with <c>Content-Type: application/cloudevents+json</c>; the app answers 2xx with
    /// <c>{"status": "SUCCESS" | "RETRY" | "DROP"}</c> (empty: SUCCESS), 404 to drop, anything else to retry.
    /// </summary>
    public async Task<Delivery> DeliverAsync(string route, JsonObject cloudEvent)
    {
        Delivery delivery;
        try
        {
            using var content = new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8, "application/cloudevents+json");
            using var response = await sidecar.AppClient.PostAsync(sidecar.AppRoute(route), content);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode switch
            {
                >= 200 and < 300 => body.Length == 0 ? "SUCCESS" : JsonNode.Parse(body)?["status"]?.GetValue<string>() ?? "SUCCESS",
                404 => "DROP",
                _ => "RETRY",
            };
            delivery = new Delivery(route, cloudEvent, (int)response.StatusCode, status);
        }
        catch (HttpRequestException ex)
        {
            delivery = new Delivery(route, cloudEvent, 0, $"RETRY ({ex.Message})");
        }

        _deliveries.Enqueue(delivery);
        _delivered.Release();
        return delivery;
    }

    /// <summary><c>GetSecret</c> (Secrets API, "Get secret"): the secret's keys and values; <c>NOT_FOUND</c>-like failure (<c>UNKNOWN</c> from daprd) when there is none.</summary>
    public virtual Task<GetSecretResponse> GetSecret(GetSecretRequest request, ServerCallContext context)
    {
        if (!Secrets.TryGetValue((request.StoreName, request.Key), out var values))
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"failed getting secret with key {request.Key} from secret store {request.StoreName}: secret not found"));
        }

        var response = new GetSecretResponse();
        response.Data.Add(values);
        return Task.FromResult(response);
    }

    /// <summary>Reads the app's programmatic subscriptions (<c>GET /dapr/subscribe</c>: <c>[{pubsubname, topic, route}]</c>), as daprd does at start.</summary>
    internal async Task ReadSubscriptionsAsync(HttpClient app, Uri appUrl)
    {
        using var response = await app.GetAsync(new Uri(appUrl, "dapr/subscribe"));
        if (!response.IsSuccessStatusCode)
        {
            _subscriptions = [];
            return;
        }

        _subscriptions = [.. JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray().Select(s => (
            s!["pubsubname"]!.GetValue<string>(),
            s["topic"]!.GetValue<string>(),
            s["route"]?.GetValue<string>() ?? s["routes"]!["default"]!.GetValue<string>()))];
    }

    private static string ETag(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var requests = new MessageParser<TRequest>(() => new TRequest());
        var responses = new MessageParser<TResponse>(() => new TResponse());
        return new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name,
            Marshallers.Create(static (TRequest m) => m.ToByteArray(), requests.ParseFrom),
            Marshallers.Create(static (TResponse m) => m.ToByteArray(), responses.ParseFrom));
    }

    /// <summary>One delivery of a CloudEvent to the app and its outcome.</summary>
    public sealed record Delivery(string Route, JsonObject CloudEvent, int StatusCode, string Status);
}
