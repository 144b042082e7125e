using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core.Security;
using AgentRag.Server.Tests.Security;
using AgentRag.TestKit;

namespace AgentRag.Server.Tests.Sharing;

/// <summary>
/// A required-auth server on a manual clock with two tenants (<c>acme</c>, with R-data.pdf, a Markdown file and one
/// extractive answer, and <c>other</c>), for share links, citation export, page images, branding and chat filters.
/// </summary>
public sealed class FinishingFeaturesServerFactory : SecureServerFactory
{
    public const string Tenant = "acme";
    public const string OtherTenant = "other";
    public const string Question = "How do I read a CSV file into a data frame?";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Library? _library;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["AgentRag:PageImages:MaxWidth"] = "1000",
        ["AgentRag:Branding:MaxLogoBytes"] = "4096",
        ["AgentRag:Sharing:DefaultLifetime"] = "1.00:00:00",
        ["AgentRag:Sharing:MaxLifetime"] = "2.00:00:00",
    };

    /// <summary>The acme tenant's documents and answer, made once for the class.</summary>
    public sealed record Library(HttpClient Admin, HttpClient Member, HttpClient Viewer, HttpClient OtherAdmin, string PdfId, string MarkdownId, string WorkflowId, JsonElement Answer);

    public async Task<Library> LibraryAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _library ??= await BuildAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Library> BuildAsync()
    {
        var admin = ClientWith((await CreateKeyAsync(Tenant, TenantRole.Admin)).Key);
        var member = ClientWith((await CreateKeyAsync(Tenant, TenantRole.Member)).Key);
        var viewer = ClientWith((await CreateKeyAsync(Tenant, TenantRole.Viewer)).Key);
        var otherAdmin = ClientWith((await CreateKeyAsync(OtherTenant, TenantRole.Admin)).Key);
        var pdf = await DocumentUploads.UploadAndWaitAsync(member, "R-data.pdf");
        var markdown = await DocumentUploads.UploadAndWaitAsync(member, "nodejs-url.md");
        using var asked = await member.PostAsJsonAsync("/v1/queries", new { query = Question, mode = "extractive", filters = new { documents = new[] { pdf } } });
        var text = await asked.Content.ReadAsStringAsync();
        asked.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        var answer = JsonDocument.Parse(text).RootElement.Clone();
        answer.GetProperty("status").GetString()!.ToLowerInvariant().ShouldBe("completed", text);
        answer.GetProperty("citations").GetArrayLength().ShouldBeGreaterThan(0, text);
        return new Library(admin, member, viewer, otherAdmin, pdf, markdown, answer.GetProperty("workflowId").GetString()!, answer);
    }

    /// <summary>A client with no credential (the shared-answer page's reader).</summary>
    public HttpClient Anonymous() => ClientWith(null);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _gate.Dispose();
        }
    }
}
