using System.Collections.Concurrent;
using AgentRag.Agents.Retrieval;
using AgentRag.Retrieval.Query;

namespace AgentRag.Agents.Tests.Support;

/// <summary>
/// An <see cref="IPassageRetriever"/> over a fixed set of passages (ranked by shared words), with hooks: block until
/// released, or fail. Records every call.
/// </summary>
public sealed class ScriptedRetriever(IReadOnlyList<RetrievedPassage> passages) : IPassageRetriever
{
    private readonly ConcurrentQueue<string> _queries = new();
    private int _transientLeft;

    public IReadOnlyCollection<string> Queries => _queries;

    /// <summary>When set, calls wait for it (e.g. to keep a workflow running).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>When set and true for a query, the call throws (<see cref="InvalidOperationException"/>: not transient).</summary>
    public Func<string, bool>? FailWhen { get; set; }

    /// <summary>This many calls fail first with a transient <see cref="IOException"/>.</summary>
    public int TransientFailures
    {
        get => _transientLeft;
        set => _transientLeft = value;
    }

    /// <summary>Completes when the first call starts.</summary>
    public TaskCompletionSource FirstCall { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<IReadOnlyList<RetrievedPassage>> RetrieveAsync(string tenantId, string query, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        _queries.Enqueue(query);
        FirstCall.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (FailWhen?.Invoke(query) == true)
        {
            throw new InvalidOperationException($"The index is unavailable for '{query}'.");
        }

        if (Interlocked.Decrement(ref _transientLeft) >= 0)
        {
            throw new IOException("The index file is locked by another process.");
        }

        var words = AgentRag.Agents.Text.LexicalSimilarity.Terms(query);
        return passages
            .Select(p => (p, score: AgentRag.Agents.Text.LexicalSimilarity.Terms(p.Text).Count(words.Contains)))
            .Where(x => x.score > 0)
            .OrderByDescending(x => x.score)
            .Take(k)
            .Select(x => x.p with { Score = x.score })
            .ToList();
    }

    /// <summary>
    /// A passage of a fictitious page-less document, matching its query like a good keyword hit (two rare terms' worth,
    /// 60% of what the query asks).
    /// </summary>
    public static RetrievedPassage Passage(
        string id, string text, string heading = "Section", string document = "notes.md", IReadOnlyList<int>? pages = null,
        double keywordStrength = 2.0, double keywordShare = 0.6) => new()
    {
        KeywordStrength = keywordStrength,
        KeywordShare = keywordShare,
        ChunkId = "chk_" + id,
        DocumentId = "doc_" + document.Replace('.', '_'),
        DocumentName = document,
        Pages = pages ?? [],
        HeadingPath = heading,
        Text = text,
        Spans = [new Core.Documents.SourceSpan(pages is { Count: > 0 } ? pages[0] : 0, 0, text.Length)],
    };
}
