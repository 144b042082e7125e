using System.Collections.Concurrent;
using AgentRag.Models.Configuration;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AgentRag.Models.Resilience;

/// <summary>
/// One Polly pipeline per profile, shared by its chat and embedding clients: retry (3× at 1/2/4 s with jitter, or the
/// provider's <c>Retry-After</c>) around a circuit breaker (opens after 5 consecutive failed attempts, half-opens after
/// 30 s) around the per-attempt timeout (the profile's <c>Timeout</c>). Only transient failures are retried or counted
/// by the breaker. Time comes from the injected <see cref="TimeProvider"/>. Thread-safe.
/// </summary>
public sealed class ModelResiliencePipelines
{
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _states = new(StringComparer.OrdinalIgnoreCase);
    private readonly ModelResilienceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Func<double>? _randomizer;

    public ModelResiliencePipelines(IOptions<ModelsOptions> options, TimeProvider timeProvider, ILogger<ModelResiliencePipelines>? logger = null)
        : this(options.Value.Resilience, timeProvider, logger, randomizer: null)
    {
    }

    internal ModelResiliencePipelines(ModelResilienceOptions options, TimeProvider timeProvider, ILogger? logger, Func<double>? randomizer)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _randomizer = randomizer;
    }

    /// <summary>The pipeline of <paramref name="profile"/>, created on first use.</summary>
    public ResiliencePipeline For(ModelProfile profile) => _pipelines.GetOrAdd(profile.Name, _ => Build(profile));

    /// <summary>The breaker state of a profile (Closed when it has not been called yet).</summary>
    public CircuitState GetCircuitState(string profileName) =>
        _states.TryGetValue(profileName, out var state) ? state.CircuitState : CircuitState.Closed;

    /// <summary>The profiles whose breaker is open (or isolated) in this process now, sorted.</summary>
    public IReadOnlyList<string> GetOpenCircuits() =>
        _states.Where(s => s.Value.CircuitState is CircuitState.Open or CircuitState.Isolated).Select(s => s.Key).Order(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>True for failures the pipeline retries and the breaker counts.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        ModelCallException call => call.IsTransient,
        TimeoutRejectedException => true,
        _ => false,
    };

    /// <summary>
    /// Turns the pipeline's own exceptions (attempt timeout, open circuit) into <see cref="ModelCallException"/>s that
    /// name the profile and setting; returns other exceptions unchanged.
    /// </summary>
    public static Exception Translate(Exception exception, ModelProfile profile) => exception switch
    {
        TimeoutRejectedException timeout => new ModelCallException(ModelFailureKind.Timeout, profile.Name, profile.Model, profile.Endpoint,
            $"Model profile '{profile.Name}' ({profile.Model} at {profile.Endpoint}) did not answer within {ModelProfileResolver.Seconds(profile.Timeout)} ({profile.SettingPath}:Timeout).",
            innerException: timeout),
        BrokenCircuitException broken => new ModelCallException(ModelFailureKind.CircuitOpen, profile.Name, profile.Model, profile.Endpoint,
            $"Model profile '{profile.Name}' ({profile.Model} at {profile.Endpoint}) is paused after repeated failures (circuit open){(broken.RetryAfter is { } after ? $"; next try in {ModelProfileResolver.Seconds(after)}" : "")}.",
            retryAfter: broken.RetryAfter, innerException: broken),
        _ => exception,
    };

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> (0-based): the provider's <c>Retry-After</c> when it sent one (at
    /// most <see cref="ModelResilienceOptions.MaxRetryAfter"/>), else <c>BaseDelay × 2^attempt</c> plus up to 25% jitter.
    /// </summary>
    internal TimeSpan RetryDelay(Exception? exception, int attempt)
    {
        if (exception is ModelCallException { RetryAfter: { } retryAfter })
        {
            return retryAfter > _options.MaxRetryAfter ? _options.MaxRetryAfter : retryAfter;
        }

        var backoff = _options.BaseDelay * Math.Pow(2, attempt);
        var jitter = backoff * (0.25 * (_randomizer ?? Random.Shared.NextDouble)());
        var delay = backoff + jitter;
        return delay > _options.MaxRetryAfter && _options.MaxRetryAfter > TimeSpan.Zero ? _options.MaxRetryAfter : delay;
    }

    private ResiliencePipeline Build(ModelProfile profile)
    {
        var state = _states.GetOrAdd(profile.Name, _ => new CircuitBreakerStateProvider());
        var retry = new RetryStrategyOptions
        {
            Name = "retry",
            MaxRetryAttempts = Math.Max(1, _options.MaxRetries),
            ShouldHandle = args => ValueTask.FromResult(_options.MaxRetries > 0 && args.Outcome.Exception is { } ex && IsTransient(ex)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(args.Outcome.Exception, args.AttemptNumber)),
            OnRetry = args =>
            {
                ModelsTelemetry.RecordRetry(profile.Name);
                var reason = args.Outcome.Exception is { } ex ? Translate(ex, profile).Message : "no exception";
                _logger.LogWarning("Model profile {Profile} attempt {Attempt} failed ({Reason}); retrying in {Delay} ms.",
                    profile.Name, args.AttemptNumber + 1, reason, (long)args.RetryDelay.TotalMilliseconds);
                return ValueTask.CompletedTask;
            },
        };

        var builder = new ResiliencePipelineBuilder { Name = $"agentrag-model-{profile.Name}", TimeProvider = _timeProvider };
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(retry);
        }

        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                Name = "breaker",
                // "Consecutive" within the sampling window: the breaker opens when every one of at least N attempts failed.
                FailureRatio = 1.0,
                MinimumThroughput = _options.BreakerFailureThreshold,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                StateProvider = state,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex)),
                OnOpened = args =>
                {
                    ModelsTelemetry.RecordBreakerOpened(profile.Name);
                    _logger.LogError("Model profile {Profile} circuit opened for {BreakSeconds} s after {Failures} consecutive failures.",
                        profile.Name, args.BreakDuration.TotalSeconds, _options.BreakerFailureThreshold);
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    _logger.LogInformation("Model profile {Profile} circuit half-open: trying one call.", profile.Name);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    _logger.LogInformation("Model profile {Profile} circuit closed.", profile.Name);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions { Name = "attempt-timeout", Timeout = profile.Timeout })
            .Build();
    }
}
