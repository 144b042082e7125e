using AgentRag.Retrieval.Search;
using AgentRag.TestKit;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Tests.Search;

public sealed class SearchResultCacheTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly SearchResultCache _cache;
    private int _executions;

    public SearchResultCacheTests() => _cache = new SearchResultCache(Options.Create(new SearchOptions()), _clock);

    [Fact]
    public async Task GetOrSearch_SameSearchTwice_SecondIsAHitWithoutRunningAgain()
    {
        var first = await _cache.GetOrSearchAsync("t1", Request("read  table"), Search);
        var second = await _cache.GetOrSearchAsync("t1", Request("read table"), Search);

        second.ShouldBeSameAs(first);
        _executions.ShouldBe(1);
        _cache.Statistics.Hits.ShouldBe(1);
        _cache.Statistics.Misses.ShouldBe(1);
    }

    [Fact]
    public async Task GetOrSearch_DifferentTenantKModeOrFilters_AreSeparateEntries()
    {
        await _cache.GetOrSearchAsync("t1", Request("q"), Search);
        await _cache.GetOrSearchAsync("t2", Request("q"), Search);
        await _cache.GetOrSearchAsync("t1", Request("q") with { K = 5 }, Search);
        await _cache.GetOrSearchAsync("t1", Request("q") with { Mode = SearchMode.Bm25 }, Search);
        await _cache.GetOrSearchAsync("t1", Request("q") with { Filters = new AgentRag.Retrieval.Query.SearchFilters { Language = "en" } }, Search);

        _executions.ShouldBe(5);
    }

    [Fact]
    public async Task GetOrSearch_IdenticalConcurrentSearches_RunOnce()
    {
        var release = new TaskCompletionSource<SearchResponse>();
        Task<SearchResponse> Held()
        {
            Interlocked.Increment(ref _executions);
            return release.Task;
        }

        var a = _cache.GetOrSearchAsync("t1", Request("q"), Held);
        var b = _cache.GetOrSearchAsync("t1", Request("q"), Held);
        release.SetResult(Response());

        (await a).ShouldBeSameAs(await b);
        _executions.ShouldBe(1);
    }

    [Fact]
    public async Task GetOrSearch_AfterTheTtl_RunsAgain()
    {
        await _cache.GetOrSearchAsync("t1", Request("q"), Search);
        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        await _cache.GetOrSearchAsync("t1", Request("q"), Search);

        _executions.ShouldBe(2);
    }

    [Fact]
    public async Task Invalidate_OneTenant_DropsOnlyItsEntries()
    {
        await _cache.GetOrSearchAsync("t1", Request("q"), Search);
        await _cache.GetOrSearchAsync("t2", Request("q"), Search);

        _cache.Invalidate("t1");
        await _cache.GetOrSearchAsync("t1", Request("q"), Search);
        await _cache.GetOrSearchAsync("t2", Request("q"), Search);

        _executions.ShouldBe(3);
    }

    [Fact]
    public async Task GetOrSearch_FailedSearch_IsNotCached()
    {
        await Should.ThrowAsync<InvalidOperationException>(() => _cache.GetOrSearchAsync("t1", Request("q"), () => throw new InvalidOperationException("boom")));

        await _cache.GetOrSearchAsync("t1", Request("q"), Search);

        _executions.ShouldBe(1);
    }

    [Fact]
    public async Task GetOrSearch_TtlZero_NeverCaches()
    {
        var cache = new SearchResultCache(Options.Create(new SearchOptions { ResultCacheTtl = TimeSpan.Zero }), _clock);

        await cache.GetOrSearchAsync("t1", Request("q"), Search);
        await cache.GetOrSearchAsync("t1", Request("q"), Search);

        _executions.ShouldBe(2);
    }

    private static SearchRequest Request(string query) => new() { Query = query, K = 10 };

    private static SearchResponse Response() => new([], ["bm25"], []);

    private Task<SearchResponse> Search()
    {
        Interlocked.Increment(ref _executions);
        return Task.FromResult(Response());
    }
}
