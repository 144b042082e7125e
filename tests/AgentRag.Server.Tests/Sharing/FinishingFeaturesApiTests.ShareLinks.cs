using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Server.Auditing;
using AgentRag.Server.Tests.Privacy;

namespace AgentRag.Server.Tests.Sharing;

/// <summary>
/// The users' finishing features through HTTP, on one server: share links (create, read without a credential, revoke,
/// expire, tenancy; docs/security.md, "Share links"), citation export, page images, branding and chat filters.
/// </summary>
public sealed partial class FinishingFeaturesApiTests(FinishingFeaturesServerFactory server) : IClassFixture<FinishingFeaturesServerFactory>
{
    [Fact]
    public async Task Share_ReadWithoutCredentialThenRevoked_AnswerOnlyThen410AndAudited()
    {
        var library = await server.LibraryAsync();
        var created = await CreateAsync(library.Member, library.WorkflowId, new { expiresInHours = 24 });
        var token = created.GetProperty("token").GetString()!;
        token.ShouldStartWith("ars_");
        created.GetProperty("path").GetString().ShouldBe($"/shared/{token}");

        using var read = await server.Anonymous().GetAsync($"/v1/shared/{token}");
        var text = await read.Content.ReadAsStringAsync();
        read.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        read.Headers.CacheControl!.NoStore.ShouldBeTrue();
        var shared = JsonDocument.Parse(text).RootElement;
        shared.GetProperty("question").GetString().ShouldBe(FinishingFeaturesServerFactory.Question);
        shared.GetProperty("answer").GetString().ShouldBe(library.Answer.GetProperty("answer").GetString());
        shared.GetProperty("citations").GetArrayLength().ShouldBe(library.Answer.GetProperty("citations").GetArrayLength());
        shared.TryGetProperty("steps", out _).ShouldBeFalse(); // the answer, not the workflow's internals

        // The token opens that answer only: no other route of the tenant.
        var anonymousWithToken = server.Anonymous();
        anonymousWithToken.DefaultRequestHeaders.Authorization = new("Bearer", token);
        (await anonymousWithToken.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var id = created.GetProperty("id").GetString()!;
        var listed = await Json(await library.Admin.GetAsync($"/v1/shares?workflowId={library.WorkflowId}"));
        listed.GetProperty("items").EnumerateArray().ShouldContain(l => l.GetProperty("id").GetString() == id && l.GetProperty("state").GetString() == "active");
        listed.GetRawText().ShouldNotContain(token);
        (await library.Member.DeleteAsync($"/v1/shares/{id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var revoked = await Json(await library.Admin.DeleteAsync($"/v1/shares/{id}"));
        revoked.GetProperty("state").GetString().ShouldBe("revoked");
        await DocumentsApiTests.ShouldBeProblemAsync(await server.Anonymous().GetAsync($"/v1/shared/{token}"), HttpStatusCode.Gone, "was revoked");

        var audit = await AuditLogTests.ReadAllAsync(library.Admin, "/v1/audit?action=share.create");
        audit.ShouldContain(e => e.GetProperty("target").GetString() == library.WorkflowId);
        (await AuditLogTests.ReadAllAsync(library.Admin, $"/v1/audit?action={AuditActions.ShareRevoke}"))
            .ShouldContain(e => e.GetProperty("target").GetString() == id);
    }

    [Fact]
    public async Task Share_PastItsExpiry_410Expired()
    {
        var library = await server.LibraryAsync();
        var token = (await CreateAsync(library.Member, library.WorkflowId, new { expiresInHours = 1 })).GetProperty("token").GetString()!;
        (await server.Anonymous().GetAsync($"/v1/shared/{token}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        server.Time.Advance(TimeSpan.FromHours(1));

        await DocumentsApiTests.ShouldBeProblemAsync(await server.Anonymous().GetAsync($"/v1/shared/{token}"), HttpStatusCode.Gone, "expired");
    }

    [Fact]
    public async Task Share_ForgedOrOtherTenantsToken_404AndNeverAnotherTenantsAnswer()
    {
        var library = await server.LibraryAsync();
        var created = await CreateAsync(library.Member, library.WorkflowId, new { });
        var token = created.GetProperty("token").GetString()!;

        // The payload names the tenant: rewriting it to another tenant breaks the signature.
        var (payload, signature) = (token[4..].Split('.')[0], token[4..].Split('.')[1]);
        var fields = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)).Split('\n');
        var forged = "ars_" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\n', FinishingFeaturesServerFactory.OtherTenant, fields[1], fields[2]))) + "." + signature;
        foreach (var bad in new[] { forged, token[..^2] + (token[^2] == 'A' ? "BB" : "AA"), "ars_", "not-a-token", new string('x', 600) })
        {
            await DocumentsApiTests.ShouldBeProblemAsync(await server.Anonymous().GetAsync($"/v1/shared/{Uri.EscapeDataString(bad)}"), HttpStatusCode.NotFound, "not valid");
        }

        // Another tenant's admin can neither list nor revoke the link.
        (await Json(await library.OtherAdmin.GetAsync("/v1/shares"))).GetProperty("items").GetArrayLength().ShouldBe(0);
        (await library.OtherAdmin.DeleteAsync($"/v1/shares/{created.GetProperty("id").GetString()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await server.Anonymous().GetAsync($"/v1/shared/{token}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Nor share the first tenant's answer: to it the query does not exist.
        using var foreign = await library.OtherAdmin.PostAsJsonAsync($"/v1/queries/{library.WorkflowId}/share", new { });
        await DocumentsApiTests.ShouldBeProblemAsync(foreign, HttpStatusCode.NotFound, "No query");
    }

    [Fact]
    public async Task Share_BadInput_PreciseProblems()
    {
        var library = await server.LibraryAsync();

        await DocumentsApiTests.ShouldBeProblemAsync(
            await library.Member.PostAsJsonAsync($"/v1/queries/{library.WorkflowId}/share", new { expiresInHours = 49 }), HttpStatusCode.BadRequest, "at most 48 hours");
        await DocumentsApiTests.ShouldBeProblemAsync(
            await library.Member.PostAsJsonAsync($"/v1/queries/{library.WorkflowId}/share", new { expiresInHours = -1 }), HttpStatusCode.BadRequest, "positive number of hours");
        await DocumentsApiTests.ShouldBeProblemAsync(
            await library.Member.PostAsJsonAsync($"/v1/queries/{library.WorkflowId}/share", new { expires = 3 }), HttpStatusCode.BadRequest, "expires");
        await DocumentsApiTests.ShouldBeProblemAsync(
            await library.Member.PostAsJsonAsync("/v1/queries/wf_0000000000000000/share", new { }), HttpStatusCode.NotFound, "No query");
        (await library.Viewer.PostAsJsonAsync($"/v1/queries/{library.WorkflowId}/share", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Admin.GetAsync("/v1/shares?limit=0"), HttpStatusCode.BadRequest, "'limit'");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Admin.DeleteAsync("/v1/shares/shr_0000000000000000"), HttpStatusCode.NotFound, "No share link");
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, string workflowId, object body)
    {
        using var response = await client.PostAsJsonAsync($"/v1/queries/{workflowId}/share", body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            response.IsSuccessStatusCode.ShouldBeTrue(text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
