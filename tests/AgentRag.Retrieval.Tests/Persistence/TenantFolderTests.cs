using AgentRag.Core;
using AgentRag.Retrieval.Keyword;
using AgentRag.TestKit;

namespace AgentRag.Retrieval.Tests.Persistence;

/// <summary><see cref="Tenancy.ResolveFolder"/>: the one place a tenant id becomes a folder.</summary>
public sealed class TenantFolderTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("acme")]
    [InlineData("team-1_eu.prod")]
    [InlineData("...")]
    [InlineData(".hidden")]
    [InlineData("trailing.")]
    public void ResolveFolder_ValidId_IsTheIdDirectlyUnderTheRoot(string tenantId)
    {
        using var root = new TempDirectory();

        var folder = Tenancy.ResolveFolder(root.Path, tenantId);

        folder.ShouldBe(Path.Combine(root.Path, tenantId));
        Path.GetDirectoryName(folder).ShouldBe(Path.TrimEndingDirectorySeparator(root.Path));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../acme")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("")]
    [InlineData("white space")]
    public void ResolveFolder_UnsafeId_ThrowsNamingWhatIsAllowed(string tenantId)
    {
        var ex = Should.Throw<ArgumentException>(() => Tenancy.ResolveFolder("/data/index", tenantId));

        ex.Message.ShouldContain(Tenancy.Rule);
        Tenancy.IsValidTenantId(tenantId).ShouldBeFalse();
    }

    [Fact]
    public void ResolveFolder_RootWithTrailingSeparator_SameFolder()
    {
        Tenancy.ResolveFolder("/data/index/", "acme").ShouldBe(Tenancy.ResolveFolder("/data/index", "acme"));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task Bm25IndexCatalog_DotTenant_RefusedAndNoFileWritten(string tenantId)
    {
        using var data = new TempDirectory();
        using var catalog = new Bm25IndexCatalog(data.Path, new Bm25Options());

        await Should.ThrowAsync<ArgumentException>(() => catalog.ReplaceDocumentAsync(tenantId, "doc_1", [("doc_1#0", "escaped text")]));

        Directory.EnumerateFiles(data.Path, "*", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task Bm25IndexCatalog_EraseTenant_DeletesItsFolderAndKeepsTheOtherTenant()
    {
        using var data = new TempDirectory();
        using (var catalog = new Bm25IndexCatalog(data.Path, new Bm25Options()))
        {
            await catalog.ReplaceDocumentAsync("acme", "doc_1", [("doc_1#0", "wombat burrows")]);
            await catalog.ReplaceDocumentAsync("globex", "doc_2", [("doc_2#0", "wombat tunnels")]);

            await catalog.EraseTenantAsync("acme");
            await catalog.EraseTenantAsync("acme");

            Directory.Exists(Tenancy.ResolveFolder(Path.Combine(data.Path, "index"), "acme")).ShouldBeFalse();
            (await catalog.GetIndexAsync("acme")).ChunkCount.ShouldBe(0);
            (await catalog.GetIndexAsync("globex")).ChunkCount.ShouldBe(1);
        }

        using var reopened = new Bm25IndexCatalog(data.Path, new Bm25Options());
        (await reopened.GetIndexAsync("acme")).ChunkCount.ShouldBe(0);
        (await reopened.GetIndexAsync("globex")).ChunkCount.ShouldBe(1);
    }
}
