using System.Text.Json;
using AgentRag.Server.Auditing;
using AgentRag.Server.Hosting;
using AgentRag.Server.Privacy;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/tenant</c>: a tenant admin exports everything the tenant owns (<c>GET /v1/tenant/export</c>) or erases it
/// (<c>DELETE /v1/tenant?confirm=&lt;tenant id&gt;</c>). A platform administrator does either for another tenant with
/// <c>X-Tenant-ID</c>.
/// </summary>
public static class TenantApi
{
    public static RouteGroupBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/tenant").WithTags("Tenant").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        api.MapGet("/export", Export).WithName("ExportTenant").WithSummary("Everything the tenant stored, as a tar.gz archive.").Produces(StatusCodes.Status200OK, contentType: TenantDataService.ContentType).Audited(AuditActions.TenantExport);

        // Not .Audited: its entry would land in the scope just erased. The handler writes the tombstone to the platform scope.
        api.MapDelete("/", EraseAsync).WithName("EraseTenant").WithSummary("Erase the tenant's data (confirm with the tenant's id).").ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    /// <summary>What was erased; the same counts are in the tombstone's <c>detail</c>.</summary>
    public sealed record ErasureResponse(string Tenant, DateTimeOffset ErasedAt, IReadOnlyDictionary<string, int> Rows, int Files);

    internal static PushStreamHttpResult Export(TenantId tenant, TenantDataService data, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Stream(
            stream => data.ExportAsync(tenant.Value, stream, cancellationToken),
            TenantDataService.ContentType,
            $"agentrag-{tenant.Value}-{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.tar.gz");

    internal static async Task<Results<Ok<ErasureResponse>, ProblemHttpResult>> EraseAsync(
        TenantId tenant, string? confirm, HttpContext httpContext, TenantDataService data, AuditRecorder audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (confirm != tenant.Value)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Erasure not confirmed",
                detail: $"Erasing a tenant deletes all of its data for good. Confirm with '?confirm={tenant.Value}'" +
                        (string.IsNullOrEmpty(confirm) ? "." : $"; got '{confirm}'."));
        }

        var erased = await data.EraseAsync(tenant.Value, cancellationToken);
        var counts = JsonSerializer.Serialize(new { rows = erased.Rows.Where(r => r.Value > 0).ToDictionary(), files = erased.Files });
        await audit.RecordAsync(httpContext, tenantId: null, AuditActions.TenantErase, target: tenant.Value, StatusCodes.Status200OK, counts);
        return TypedResults.Ok(new ErasureResponse(tenant.Value, time.GetUtcNow(), erased.Rows, erased.Files));
    }
}
