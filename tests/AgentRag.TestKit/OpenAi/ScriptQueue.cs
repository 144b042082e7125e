using System.Collections.Concurrent;

namespace AgentRag.TestKit.OpenAi;

/// <summary>
/// Scripted answers for one route of <see cref="OpenAiTestServer"/>, consumed in order. A script queued for a model
/// answers only that model's requests and takes precedence over scripts for any model. Thread-safe.
/// </summary>
public sealed class ScriptQueue
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ScriptedResponse>> _byModel = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ScriptedResponse> _any = new();
    private readonly ConcurrentBag<ScriptedResponse> _all = [];

    /// <summary>Queues <paramref name="response"/> for the next request (of <paramref name="model"/>, when given).</summary>
    public ScriptedResponse Enqueue(ScriptedResponse response, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        _all.Add(response);
        if (model is null)
        {
            _any.Enqueue(response);
        }
        else
        {
            _byModel.GetOrAdd(model, _ => new ConcurrentQueue<ScriptedResponse>()).Enqueue(response);
        }

        return response;
    }

    /// <summary>Queues <paramref name="count"/> answers made by <paramref name="factory"/>.</summary>
    public void Enqueue(int count, Func<ScriptedResponse> factory, string? model = null)
    {
        for (var i = 0; i < count; i++)
        {
            Enqueue(factory(), model);
        }
    }

    /// <summary>Scripts still waiting for a request.</summary>
    public int Pending => _any.Count + _byModel.Values.Sum(q => q.Count);

    internal ScriptedResponse? Next(string model) =>
        _byModel.TryGetValue(model, out var queue) && queue.TryDequeue(out var forModel) ? forModel
        : _any.TryDequeue(out var any) ? any
        : null;

    internal void ReleaseAll()
    {
        foreach (var response in _all)
        {
            response.Release();
        }
    }
}
