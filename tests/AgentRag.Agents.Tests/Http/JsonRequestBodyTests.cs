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

    public static TheoryData<string, string, string> WrongTypes => new()
    {
        { "/v1/queries", """{"query": "What does beforeExit do?", "filters": {"after": "yesterday"}}""", "Field 'filters.after' must be a date (YYYY-MM-DD)." },
        { "/v1/queries", """{"query": 42}""", "Field 'query' must be a string." },
        { "/v1/search", """{"query": "beforeExit", "k": "ten"}""", "Field 'k' must be an integer." },
        { "/v1/search", """{"query": "beforeExit", "mode": "fuzzy"}""", "Unknown mode 'fuzzy': use bm25, dense or hybrid." },
        { "/v1/search", """{"query": "beforeExit", "mode": 1}""", "Field 'mode' must be one of: bm25, dense, hybrid." },
        { "/v1/queries", """{"query": "What does beforeExit do?", "approval": "later"}""", "Unknown approval 'later': use none or before_answer." },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task Post_ValueOfTheWrongType_400NamingTheFieldAndWhatItMustBe(string route, string json, string detail)
    {
        using var response = await factory.CreateClient().PostAsync(route, new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await ShouldBeProblemAsync(response);
        problem.GetProperty("detail").GetString().ShouldBe(detail);
        problem.GetProperty("errors").EnumerateObject().Single().Value[0].GetString().ShouldBe(detail);
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
