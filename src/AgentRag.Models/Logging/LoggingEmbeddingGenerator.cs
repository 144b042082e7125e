using System.Diagnostics;
using AgentRag.Models.Calls;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentRag.Models.Logging;

/// <summary>Logs each embeddings call (inputs, duration, tokens, failure) in an activity; never logs texts or keys. Thread-safe.</summary>
public sealed partial class LoggingEmbeddingGenerator(
    IEmbeddingGenerator<string, Embedding<float>> innerGenerator, ILogger<LoggingEmbeddingGenerator> logger, TimeProvider timeProvider)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values as IReadOnlyList<string> ?? values.ToList();
        var context = options.GetContext();
        using var activity = ModelsTelemetry.ActivitySource.StartActivity("embeddings", ActivityKind.Client);
        activity?.SetTag("agentrag.tenant", context.TenantId);
        activity?.SetTag("agentrag.embeddings.inputs", list.Count);
        var started = timeProvider.GetTimestamp();
        try
        {
            var result = await base.GenerateAsync(list, options, cancellationToken);
            LogCompleted(list.Count, context.TenantId, (long)timeProvider.GetElapsedTime(started).TotalMilliseconds, result.Usage?.InputTokenCount);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            LogFailed(list.Count, context.TenantId, (long)timeProvider.GetElapsedTime(started).TotalMilliseconds, ex.Message);
            throw;
        }
    }

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "Embedded {Inputs} text(s) for tenant {TenantId} in {ElapsedMs} ms; tokens {InputTokens}.")]
    private partial void LogCompleted(int inputs, string tenantId, long elapsedMs, long? inputTokens);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Embedding {Inputs} text(s) for tenant {TenantId} failed after {ElapsedMs} ms: {Error}")]
    private partial void LogFailed(int inputs, string tenantId, long elapsedMs, string error);
}
