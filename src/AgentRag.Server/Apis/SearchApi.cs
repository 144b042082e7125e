using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Search;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.Server.Limits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary><c>POST /v1/search</c>: keyword, dense or hybrid search over the tenant's ready documents.</summary>
public static class SearchApi
{
    public static RouteGroupBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/search").WithTags("Search").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapPost("/", SearchAsync).WithName("Search").WithSummary("Search the documents (BM25, vector or hybrid) without composing an answer.").WithLimitGroup(LimitGroup.Queries).AddEndpointFilter<QueryQuotaFilter>().Accepts<SearchRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    internal static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(
        HttpRequest httpRequest, TenantId tenant, SearchService search, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<SearchRequest>(httpRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            return TypedResults.Ok(await search.SearchAsync(tenant.Value, request!, cancellationToken));
        }
        catch (QuerySyntaxException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query", detail: ex.Message,
                extensions: new Dictionary<string, object?> { ["position"] = ex.Position });
        }
        catch (ArgumentException ex)
        {
            return JsonBody.Invalid(ex.Message.Replace(" (Parameter 'request')", "", StringComparison.Ordinal));
        }
        catch (SearchUnavailableException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Search mode unavailable", detail: ex.Message);
        }
    }
}
