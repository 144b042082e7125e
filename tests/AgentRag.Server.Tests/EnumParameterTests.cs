using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentRag.Server.Tests;

/// <summary>
/// Enum values on the HTTP surface (query strings and JSON bodies) go through one reader: any case and spelling of a
/// name is accepted, anything else (numbers included) is a 400 validation problem that names the parameter, the value
/// and the allowed values, and the OpenAPI document lists those values as a string enum.
/// </summary>
public sealed class EnumParameterTests(EnumParameterTests.Server server) : IClassFixture<EnumParameterTests.Server>
{
    /// <summary>One server for the class.</summary>
    public sealed class Server : IDisposable
    {
        public AgentRagServerFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private readonly AgentRagServerFactory _factory = server.Factory;

    [Theory]
    [InlineData("/v1/documents?status=bogus", "status", "Unknown status 'bogus': use pending, processing, ready or failed.")]
    [InlineData("/v1/documents?status=2", "status", "Unknown status '2': use pending, processing, ready or failed.")]
    [InlineData("/v1/approvals?status=maybe", "status", "Unknown status 'maybe': use pending, approved, rejected, expired or escalated.")]
    [InlineData("/v1/usage?groupBy=month", "groupBy", "Unknown groupBy 'month': use agent, model, tenant, day, session, profile, prompt or workflow.")]
    public async Task Get_UnknownEnumValue_400NamingTheParameterAndTheAllowedValues(string route, string parameter, string detail)
    {
        using var response = await _factory.CreateClient().GetAsync(route);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("detail").GetString().ShouldBe(detail);
        problem.GetProperty("errors").GetProperty(parameter)[0].GetString().ShouldBe(detail);
    }

    [Theory]
    [InlineData("/v1/documents?status=READY")]
    [InlineData("/v1/approvals?status=Pending")]
    [InlineData("/v1/usage?groupBy=Day")]
    [InlineData("/v1/usage?groupBy=")]
    public async Task Get_EnumValueInAnyCase_OrBlank_200(string route)
    {
        using var response = await _factory.CreateClient().GetAsync(route);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetUsage_GroupByInAnyCase_AnswersWithItsName()
    {
        var usage = await _factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/usage?groupBy=PROMPT");

        usage.GetProperty("groupBy").GetString().ShouldBe("prompt");
    }

    [Theory]
    [InlineData("""{"query": "exit codes?", "mode": "creative"}""", "mode", "Unknown mode 'creative': use auto, extractive or model.")]
    [InlineData("""{"query": "exit codes?", "approval": "later"}""", "approval", "Unknown approval 'later': use none or before_answer.")]
    [InlineData("""{"query": "exit codes?", "mode": "1"}""", "mode", "Unknown mode '1': use auto, extractive or model.")]
    public async Task PostQuery_UnknownEnumValue_400NamingTheFieldAndTheAllowedValues(string body, string field, string detail)
    {
        using var response = await _factory.CreateClient().PostAsync("/v1/queries", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("detail").GetString().ShouldBe(detail);
        problem.GetProperty("errors").GetProperty(field)[0].GetString().ShouldBe(detail);
    }

    [Theory]
    [InlineData("/v1/documents", "status", "pending,processing,ready,failed")]
    [InlineData("/v1/approvals", "status", "pending,approved,rejected,expired,escalated")]
    [InlineData("/v1/usage", "groupBy", "agent,model,tenant,day,session,profile,prompt,workflow")]
    public async Task Document_EnumQueryParameter_IsAStringEnumAndTheRouteDocuments400(string path, string parameter, string values)
    {
        var document = JsonDocument.Parse(await _factory.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty("get");
        var schema = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == parameter).GetProperty("schema");
        schema.GetProperty("type").GetString().ShouldBe("string");
        string.Join(',', schema.GetProperty("enum").EnumerateArray().Select(v => v.GetString())).ShouldBe(values);
        operation.GetProperty("responses").TryGetProperty("400", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("QueryBody", "mode", "auto,extractive,model")]
    [InlineData("QueryBody", "approval", "none,before_answer")]
    public async Task Document_EnumBodyField_ListsItsValues(string schemaName, string property, string values)
    {
        var document = JsonDocument.Parse(await _factory.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var schema = schemas.GetProperty(schemaName).GetProperty("properties").GetProperty(property).ToString();

        // The member is "null or the enum"; the enum is a component of its own, which for a nullable member also lists null.
        var enumName = System.Text.RegularExpressions.Regex.Match(schema, "#/components/schemas/(?<name>[A-Za-z]+)").Groups["name"].Value;
        var names = schemas.GetProperty(enumName).GetProperty("enum").EnumerateArray()
            .Where(v => v.ValueKind != JsonValueKind.Null).Select(v => v.GetString());
        string.Join(',', names).ShouldBe(values);
    }
}
