using System.ComponentModel.DataAnnotations;

namespace AgentRag.Runtime.Dapr;

/// <summary>
/// Settings of the Dapr runtime (configuration section <c>AgentRag:Dapr</c>; <c>AgentRag:Runtime=dapr</c> chooses it).
/// The component names must match the Dapr components deployed beside the app (<c>deploy/k8s/overlays/dapr</c>); the
/// actors' own state store is the component with <c>actorStateStore: "true"</c>, which the sidecar picks, not the app.
/// Invalid settings fail at start naming the key.
/// </summary>
public sealed class DaprRuntimeOptions
{
    public const string SectionName = "AgentRag:Dapr";

    /// <summary>
    /// The sidecar's HTTP endpoint (actor invocation, actor state and reminders). Empty: the Dapr SDK's default
    /// (<c>DAPR_HTTP_ENDPOINT</c>, else <c>http://127.0.0.1:$DAPR_HTTP_PORT</c>, else port 3500).
    /// </summary>
    public string HttpEndpoint { get; set; } = "";

    /// <summary>
    /// The sidecar's gRPC endpoint (state, pub/sub and secrets through Dapr.Client). Empty: the Dapr SDK's default
    /// (<c>DAPR_GRPC_ENDPOINT</c>, else <c>http://127.0.0.1:$DAPR_GRPC_PORT</c>, else port 50001).
    /// </summary>
    public string GrpcEndpoint { get; set; } = "";

    /// <summary>
    /// The token the app sends the sidecar (<c>dapr-api-token</c>) when the sidecar requires one. Empty: the SDK reads
    /// <c>DAPR_API_TOKEN</c>.
    /// </summary>
    public string ApiToken { get; set; } = "";

    /// <summary>The state store component the app writes its own keys to (the ids of commands it handled, first write wins).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "AgentRag:Dapr:StateStore must name the Dapr state store component (e.g. agentrag-state).")]
    public string StateStore { get; set; } = "agentrag-state";

    /// <summary>The pub/sub component the integration events go through.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "AgentRag:Dapr:PubSub must name the Dapr pub/sub component (e.g. agentrag-pubsub).")]
    public string PubSub { get; set; } = "agentrag-pubsub";

    /// <summary>The topic document and workflow integration events are published to, as CloudEvents, and consumed from.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "AgentRag:Dapr:Topic must name the pub/sub topic of the integration events.")]
    [RegularExpression("^[A-Za-z0-9._-]{1,128}$", ErrorMessage = "AgentRag:Dapr:Topic must be 1-128 letters, digits, '.', '_' or '-'.")]
    public string Topic { get; set; } = "agentrag-events";

    /// <summary>
    /// The topic the app consumes commands from (CloudEvents whose data is <c>{"type": "approval.decide", …}</c>), declared
    /// in <c>GET /dapr/subscribe</c> and delivered to <c>POST /dapr/commands</c>.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "AgentRag:Dapr:CommandsTopic must name the pub/sub topic the app consumes commands from.")]
    [RegularExpression("^[A-Za-z0-9._-]{1,128}$", ErrorMessage = "AgentRag:Dapr:CommandsTopic must be 1-128 letters, digits, '.', '_' or '-'.")]
    public string CommandsTopic { get; set; } = "agentrag-commands";

    /// <summary>
    /// The secret store component model API keys and JWT secrets are read from (<see cref="Secrets"/>). Empty: no secret
    /// is read from Dapr.
    /// </summary>
    public string SecretStore { get; set; } = "";

    /// <summary>
    /// Configuration keys filled from the secret store at start, one entry per key: the entry's name is a label, its value
    /// <c>{configuration key}={secret}</c> or <c>{configuration key}={secret}/{key}</c> for one key of a multi-key secret
    /// (a Kubernetes Secret), e.g. <c>AgentRag:Dapr:Secrets:jwt</c> =
    /// <c>AgentRag:Auth:Jwt:SigningKey=agentrag-auth/jwt-signing-key</c> (env <c>AgentRag__Dapr__Secrets__jwt</c>). A
    /// secret that cannot be read fails the start, naming it.
    /// </summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long an actor stays in memory without calls before the sidecar deactivates it (Dapr's <c>actorIdleTimeout</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00", ErrorMessage = "AgentRag:Dapr:ActorIdleTimeout must be between 10 s and 1 day.")]
    public TimeSpan ActorIdleTimeout { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>How long the sidecar waits for calls in progress when it moves an actor (Dapr's <c>drainOngoingCallTimeout</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "AgentRag:Dapr:DrainOngoingCallTimeout must be between 1 s and 10 min.")]
    public TimeSpan DrainOngoingCallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a call to an actor through the sidecar may take before the caller gives up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "AgentRag:Dapr:ActorCallTimeout must be between 1 s and 1 h.")]
    public TimeSpan ActorCallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// An actor's one-shot reminder (an approval deadline) is a Dapr reminder that repeats with this period until the turn
    /// that handled it removes it, so a replica dying in that turn is covered: the reminder fires again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "AgentRag:Dapr:OneShotReminderRepeat must be between 1 s and 1 h.")]
    public TimeSpan OneShotReminderRepeat { get; set; } = TimeSpan.FromSeconds(30);
}
