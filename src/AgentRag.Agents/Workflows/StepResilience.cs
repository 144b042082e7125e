using System.Collections.Concurrent;
using AgentRag.Core.Storage;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace AgentRag.Agents.Workflows;

/// <summary>
/// Per-agent resilience of step runs (docs/adr/0006): a transient infrastructure failure (I/O, or a failure that a
/// registered <see cref="ITransientStoreErrorRule"/> calls transient, such as SQLite busy or locked) is retried up to 3 times after 1 s, 2 s and 4 s with jitter, on the injected clock; nothing else is retried, in
/// particular not model calls, which the model layer has already retried and failed over. Each agent has a circuit
/// breaker that opens after 5 failed runs in a row (across workflows) and stays open 30 s; while it is open, runs of
/// that agent fail at once with <see cref="BrokenCircuitException"/>, and the step's policy applies. Thread-safe.
/// </summary>
public sealed class StepResilience(TimeProvider time, IEnumerable<ITransientStoreErrorRule> storeErrors)
{
    public const int MaxRetries = 3;
    public const int BreakerThreshold = 5;
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly ITransientStoreErrorRule[] _storeErrors = [.. storeErrors];

    /// <summary>The pipeline of <paramref name="agent"/>'s runs.</summary>
    public ResiliencePipeline For(string agent) => _pipelines.GetOrAdd(agent, Build);

    /// <summary>I/O and the storage backend's transient failures are transient; cancellation, bad input and model failures are not.</summary>
    public bool IsTransient(Exception exception) => exception switch
    {
        OperationCanceledException => false,
        IOException => true,
        _ => Array.Exists(_storeErrors, rule => rule.IsTransient(exception)),
    };

    private ResiliencePipeline Build(string agent) => new ResiliencePipelineBuilder { TimeProvider = time, Name = $"agent:{agent}" }
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            // Every run in the window failed, and at least five ran: five failures in a row.
            FailureRatio = 1.0,
            MinimumThroughput = BreakerThreshold,
            SamplingDuration = BreakDuration,
            BreakDuration = BreakDuration,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
        })
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = MaxRetries,
            Delay = FirstRetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
        })
        .Build();
}
