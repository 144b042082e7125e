using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// JSON request bodies of AgentRag's own <c>/v1</c> routes: an unknown member or a value of the wrong type is a 400
/// ProblemDetails naming the field, never silently ignored. The OpenAI-compatible route keeps accepting OpenAI's fields.
/// </summary>
public sealed class JsonRequestBodyTests(QueryServerFactory factory) : IClassFixture<QueryServerFactory>
{
    private const string Question = "What does the beforeExit event do in Node.js?";

    public static TheoryData<string, string, string> MisspelledFields => new()
    {
        { "/v1/search", """{"query": "beforeExit", "filters": {"documentIds": ["doc_x"]}}""", "filters.documentIds" },
        { "/v1/queries", """{"query": "What does beforeExit do?", "filters": {"documentIds": ["doc_x"]}}""", "filters.documentIds" },
        { "/v1/queries", """{"question": "What does beforeExit do?"}""", "question" },
        { "/v1/approvals/apr_0000000000000000/approve", """{"comment": "fine", "reason": "looks right"}""", "reason" },
        { "/v1/approvals/apr_0000000000000000/modify", """{"inputs": {"k": 3}, "input": {"k": 4}}""", "input" },
        { "/v1/queries/{workflow}/feedback", """{"rating": "up", "stars": 5}""", "stars" },
    };

    [Theory]
    [MemberData(nameof(MisspelledFields))]
    public async Task Post_UnknownMember_400NamingIt(string route, string json, string field)
    {
        var client = factory.CreateClient();
        if (route.Contains("{workflow}", StringComparison.Ordinal))
        {
            route = route.Replace("{workflow}", await AskAsync(client), StringComparison.Ordinal);
        }

        using var response = await client.PostAsync(route, new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await ShouldBeProblemAsync(response);
        problem.GetProperty("detail").GetString()!.ShouldContain($"Unknown field '{field}'");
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain("Known fields:");
    }

    [Fact]
    public async Task PostQueries_FieldOfTheWrongType_400NamingTheFieldAndTheExpectedType()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/queries",
            new StringContent("""{"query": "What does beforeExit do?", "filters": {"after": "yesterday"}}""", Encoding.UTF8, "application/json"));

        var problem = await ShouldBeProblemAsync(response);
        problem.GetProperty("detail").GetString().ShouldBe("Field 'filters.after' must be a date (YYYY-MM-DD).");
        problem.GetProperty("errors").GetProperty("filters.after")[0].GetString().ShouldBe("Field 'filters.after' must be a date (YYYY-MM-DD).");
    }

    [Fact]
    public async Task PostQueries_QueryIsANumber_400NamingTheField()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/queries",
            new StringContent("""{"query": 42}""", Encoding.UTF8, "application/json"));

        var problem = await ShouldBeProblemAsync(response);
        problem.GetProperty("detail").GetString().ShouldBe("Field 'query' must be a string.");
    }

    [Fact]
    public async Task PostSearch_KIsText_400NamingTheField()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/search",
            new StringContent("""{"query": "beforeExit", "k": "ten"}""", Encoding.UTF8, "application/json"));

        var problem = await ShouldBeProblemAsync(response);
        problem.GetProperty("detail").GetString().ShouldBe("Field 'k' must be an integer.");
    }

    [Fact]
    public async Task PostSearch_UnknownEnumValue_400ListingTheValues()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/search",
            new StringContent("""{"query": "beforeExit", "mode": "fuzzy"}""", Encoding.UTF8, "application/json"));

        var problem = await ShouldBeProblemAsync(response);
        problem.GetProperty("detail").GetString().ShouldBe("Field 'mode' must be one of: bm25, dense, hybrid.");
    }

    [Fact]
    public async Task PostQueries_MalformedJson_400WithThePosition()
    {
        using var response = await factory.CreateClient().PostAsync("/v1/queries",
            new StringContent("{\"query\": \"x\",}", Encoding.UTF8, "application/json"));

        var problem = await ShouldBeProblemAsync(response);
        problem.GetProperty("detail").GetString()!.ShouldStartWith("The request body is not valid JSON at line 1, byte ");
    }

    [Fact]
    public async Task PostChatCompletions_OpenAiFieldsTheProductDoesNotModel_StillAccepted()
    {
        using var response = await factory.CreateClient().PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "agentrag",
            messages = new object[] { new { role = "user", content = Question } },
            user = "user-1234",
            metadata = new { team = "docs" },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> AskAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/v1/queries", new { query = Question, mode = "extractive" });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workflowId").GetString()!;
    }

    private static async Task<JsonElement> ShouldBeProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe(400);
        return problem;
    }
}
