using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRag.Core.Documents;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>Spans and metrics of the ingestion pipeline (see docs/observability.md).</summary>
public static class IngestionTelemetry
{
    public const string SourceName = "AgentRag.Ingestion";

    public static readonly ActivitySource ActivitySource = new(SourceName);

    public static readonly Meter Meter = Core.Telemetry.AgentRagTelemetry.Meter;

    public static readonly Counter<long> DocumentsIngested =
        Meter.CreateCounter<long>("agentrag.documents.ingested", description: "Documents whose ingestion finished, by outcome.");

    public static readonly Counter<long> PagesExtracted =
        Meter.CreateCounter<long>("agentrag.pages.extracted", description: "Pages of text extracted.");

    public static readonly Histogram<double> StageDuration =
        Meter.CreateHistogram<double>("agentrag.ingestion.duration", unit: "s", description: "Duration of each ingestion stage.");

    public static readonly Core.Telemetry.GaugeSources QueueDepth = new(
        Meter, "agentrag.ingestion.queue_depth", "{document}", "Documents queued for ingestion in this process and not yet taken by a worker.");

    /// <summary>Starts a span for one stage; disposing it ends the span and records the stage's duration.</summary>
    public static StageScope StartStage(IngestionStage stage) =>
        new(stage, ActivitySource.StartActivity("ingest." + stage.ToString().ToLowerInvariant()), Stopwatch.GetTimestamp());

    public readonly struct StageScope(IngestionStage stage, Activity? activity, long started) : IDisposable
    {
        public void Dispose()
        {
            StageDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("stage", stage.ToString().ToLowerInvariant()));
            activity?.Dispose();
        }
    }
}
