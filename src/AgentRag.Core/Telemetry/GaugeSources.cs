using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace AgentRag.Core.Telemetry;

/// <summary>
/// An observable gauge whose value is the sum of the live sources registered with <see cref="Track"/>: e.g. the depths of
/// every open queue of one kind in the process. Sources are read on the collecting thread, so they must be cheap and
/// thread-safe. Thread-safe.
/// </summary>
public sealed class GaugeSources
{
    private readonly ConcurrentDictionary<object, Func<long>> _sources = new();

    public GaugeSources(Meter meter, string name, string unit, string description)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableGauge(name, () => _sources.Values.Sum(source => source()), unit, description);
    }

    /// <summary>Adds <paramref name="source"/> to the sum until the returned handle is disposed.</summary>
    public IDisposable Track(Func<long> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var key = new object();
        _sources[key] = source;
        return new Registration(_sources, key);
    }

    private sealed class Registration(ConcurrentDictionary<object, Func<long>> sources, object key) : IDisposable
    {
        public void Dispose() => sources.TryRemove(key, out _);
    }
}
