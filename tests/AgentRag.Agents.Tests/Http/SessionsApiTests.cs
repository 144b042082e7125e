using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentRag.Agents.Tests.Http;

/// <summary>Sessions over <c>POST /v1/queries</c> and <c>/v1/sessions/{id}</c>, on the R manuals.</summary>
public sealed class SessionsApiTests(ConversationServerFactory factory) : IClassFixture<ConversationServerFactory>
{
    private const string FirstQuestion = "How do I read a data frame from a file with read.table?";
    private const string FollowUp = "and what about its defaults?";

    private async Task<(HttpResponseMessage Response, JsonElement Body)> AskAsync(string query, string? sessionId = null, string? tenant = null, object? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(body ?? new { query, mode = "extractive" }) };
        if (sessionId is not null)
        {
            request.Headers.Add("X-Session-ID", sessionId);
        }

        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-ID", tenant);
        }

        var response = await factory.CreateClient().SendAsync(request);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response, json);
    }

    private static string SessionHeader(HttpResponseMessage response) => response.Headers.GetValues("X-Session-ID").Single();

    [Fact]
    public async Task Post_FollowUpInSession_RetrievesReadTablePassagesAndRecordsTurns()
    {
        var (first, firstBody) = await AskAsync(FirstQuestion);
        first.StatusCode.ShouldBe(HttpStatusCode.OK, firstBody.ToString());
        var sessionId = SessionHeader(first);
        sessionId.ShouldStartWith("ses_");
        firstBody.GetProperty("sessionId").GetString().ShouldBe(sessionId);

        var (second, body) = await AskAsync(FollowUp, sessionId);

        second.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        SessionHeader(second).ShouldBe(sessionId);
        body.GetProperty("originalQuery").GetString().ShouldBe(FollowUp);
        var citations = body.GetProperty("citations").EnumerateArray().ToList();
        citations.ShouldNotBeEmpty(body.ToString());
        citations.ShouldContain(c => c.GetProperty("quote").GetString()!.Contains("read.table", StringComparison.Ordinal), body.ToString());
        citations.ShouldAllBe(c => c.GetProperty("documentName").GetString()!.StartsWith("R-", StringComparison.Ordinal));

        var session = await factory.CreateClient().GetFromJsonAsync<JsonElement>($"/v1/sessions/{sessionId}");
        var turns = session.GetProperty("turns").EnumerateArray().ToList();
        turns.Select(t => t.GetProperty("question").GetString()).ShouldBe([FirstQuestion, FollowUp]);
        turns[0].GetProperty("workflowId").GetString().ShouldBe(firstBody.GetProperty("workflowId").GetString());
        turns[1].GetProperty("workflowId").GetString().ShouldBe(body.GetProperty("workflowId").GetString());
        turns[1].GetProperty("query").GetString().ShouldBe("and what about its defaults? (read.table)");
        turns[1].GetProperty("answer").GetString().ShouldBe(body.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Post_FollowUpWithoutSession_IsAnsweredAsAskedWithoutReadTable()
    {
        var (response, body) = await AskAsync(FollowUp);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        body.GetProperty("originalQuery").ValueKind.ShouldBe(JsonValueKind.Null);
        body.GetProperty("citations").EnumerateArray()
            .ShouldNotContain(c => c.GetProperty("quote").GetString()!.Contains("read.table", StringComparison.Ordinal), body.ToString());
        SessionHeader(response).ShouldStartWith("ses_");
    }

    [Fact]
    public async Task Post_UnknownWellFormedSession_StartsThatSession()
    {
        var (response, body) = await AskAsync(FirstQuestion, "client-chosen-42");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        SessionHeader(response).ShouldBe("client-chosen-42");
        var session = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/sessions/client-chosen-42");
        session.GetProperty("turns").GetArrayLength().ShouldBe(1);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public async Task Post_MalformedSessionHeader_Is400NamingTheId(string sessionId)
    {
        var (response, body) = await AskAsync(FirstQuestion, sessionId);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        body.GetProperty("detail").GetString()!.ShouldContain($"'{sessionId}' is malformed");
        body.GetProperty("errors").GetProperty("sessionId").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Post_SessionIdInBody_IsUsed()
    {
        var (response, body) = await AskAsync("", body: new { query = FirstQuestion, mode = "extractive", sessionId = "body-session" });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        SessionHeader(response).ShouldBe("body-session");
        body.GetProperty("sessionId").GetString().ShouldBe("body-session");
    }

    [Fact]
    public async Task Get_OtherTenantsSession_Is404()
    {
        var (response, _) = await AskAsync(FirstQuestion, "tenant-a-session");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var other = factory.CreateClient();
        other.DefaultRequestHeaders.Add("X-Tenant-ID", "tenant-b");
        (await other.GetAsync("/v1/sessions/tenant-a-session")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.DeleteAsync("/v1/sessions/tenant-a-session")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await factory.CreateClient().GetAsync("/v1/sessions/tenant-a-session")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Delete_ExistingSession_Is204ThenGetIs404()
    {
        var (response, _) = await AskAsync(FirstQuestion, "to-delete");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var client = factory.CreateClient();

        (await client.DeleteAsync("/v1/sessions/to-delete")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var missing = await client.GetAsync("/v1/sessions/to-delete");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!.ShouldContain("'to-delete'");
        (await client.DeleteAsync("/v1/sessions/to-delete")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_AfterTurnsInTwoSessions_ShowsTheNewestFirstWithTheirQuestions()
    {
        var tenant = $"history-{Guid.NewGuid():N}";
        (await AskAsync(FirstQuestion, "history-one", tenant)).Response.EnsureSuccessStatusCode();
        (await AskAsync(FirstQuestion, "history-two", tenant)).Response.EnsureSuccessStatusCode();
        (await AskAsync(FollowUp, "history-one", tenant)).Response.EnsureSuccessStatusCode();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions?limit=1");
        request.Headers.Add("X-Tenant-ID", tenant);
        using var response = await factory.CreateClient().SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        body.GetProperty("total").GetInt32().ShouldBe(2);
        body.GetProperty("limit").GetInt32().ShouldBe(1);
        var newest = body.GetProperty("items").EnumerateArray().Single();
        newest.GetProperty("id").GetString().ShouldBe("history-one");
        newest.GetProperty("turnCount").GetInt32().ShouldBe(2);
        newest.GetProperty("firstQuestion").GetString().ShouldBe(FirstQuestion);
        newest.GetProperty("lastQuestion").GetString().ShouldBe(FollowUp);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("offset=-1", "offset")]
    public async Task List_BadPaging_Is400NamingTheParameter(string query, string parameter)
    {
        using var response = await factory.CreateClient().GetAsync($"/v1/sessions?{query}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body.ToString());
        body.GetProperty("errors").TryGetProperty(parameter, out _).ShouldBeTrue(body.ToString());
    }
}
