using System.Diagnostics.Metrics;

namespace AgentRag.Core.Telemetry;

/// <summary>
/// The product's shared <see cref="Meter"/> (<c>AgentRag</c>). Instruments of every layer are created on it (or on a meter
/// named <c>AgentRag.*</c>); the hosts export both to OTLP and to Prometheus at <c>/metrics</c>, where each instrument
/// <c>agentrag.x.y</c> appears as <c>agentrag_x_y</c> with its unit and <c>_total</c>/<c>_bucket</c> suffixes
/// (docs/operations.md, "Metrics and traces"). Keep labels bounded: tenant, agent, model, stage, outcome; never a
/// document, workflow or query id.
/// </summary>
public static class AgentRagTelemetry
{
    public const string MeterName = "AgentRag";

    /// <summary>The meter names the hosts subscribe to (a trailing <c>*</c> is a wildcard).</summary>
    public static readonly string[] MeterNames = [MeterName, MeterName + ".*"];

    public static readonly Meter Meter = new(MeterName);
}
