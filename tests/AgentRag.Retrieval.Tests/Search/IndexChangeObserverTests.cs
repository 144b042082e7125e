using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Search;
using AgentRag.TestKit;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Tests.Search;

/// <summary><see cref="IndexChangeObserver"/>: another process's index change reaches searches after the check interval.</summary>
public sealed class IndexChangeObserverTests : IDisposable
{
    private const string Tenant = "observed";
    private readonly TempDirectory _data = new();
    private readonly ManualTimeProvider _time = new();
    private readonly IOptions<SearchOptions> _options = Options.Create(new SearchOptions { IndexChangeCheckInterval = TimeSpan.FromSeconds(2) });
    private int _searches;

    public void Dispose() => _data.Dispose();

    private Bm25IndexCatalog NewCatalog() => new(_data.Path, new Bm25Options());

    private Task<SearchResponse> SearchAsync(SearchResultCache cache) =>
        cache.GetOrSearchAsync(Tenant, new SearchRequest { Query = "alpha" }, () =>
        {
            _searches++;
            return Task.FromResult(new SearchResponse([], ["bm25"], []));
        });

    [Fact]
    public async Task ObserveAsync_AnotherCatalogWrote_SeenAfterTheIntervalAndTheCacheDroppedThenAndAtTheNextCheck()
    {
        using var server = NewCatalog();
        using var cli = NewCatalog();
        var cache = new SearchResultCache(_options, _time);
        var observer = new IndexChangeObserver(server, null, cache, _options, _time);
        await server.ReplaceDocumentAsync(Tenant, "doc_a", [("doc_a#0", "alpha")]);
        (await observer.ObserveAsync(Tenant)).ShouldBeFalse();
        await SearchAsync(cache);

        await cli.ReplaceDocumentAsync(Tenant, "doc_b", [("doc_b#0", "alpha bravo")]);
        _time.Advance(TimeSpan.FromSeconds(1));
        (await observer.ObserveAsync(Tenant)).ShouldBeFalse("checked less than the interval ago");
        await SearchAsync(cache);
        _searches.ShouldBe(1);

        _time.Advance(TimeSpan.FromSeconds(1));
        (await observer.ObserveAsync(Tenant)).ShouldBeTrue();
        (await server.GetIndexAsync(Tenant)).ContainsChunk("doc_b#0").ShouldBeTrue();
        await SearchAsync(cache);
        _searches.ShouldBe(2);

        _time.Advance(TimeSpan.FromSeconds(2));
        (await observer.ObserveAsync(Tenant)).ShouldBeFalse();
        await SearchAsync(cache);
        _searches.ShouldBe(3, "the check after a change drops the cache once more");

        _time.Advance(TimeSpan.FromSeconds(2));
        (await observer.ObserveAsync(Tenant)).ShouldBeFalse();
        await SearchAsync(cache);
        _searches.ShouldBe(3);
    }
}
