using System.ComponentModel;
using AgentRag.Core.Monitoring;
using AgentRag.Monitoring.Alerts;
using AgentRag.Server.Auditing;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/alerts</c>: the tenant's raised alerts (newest first, with each channel's delivery outcome), and
/// <c>/v1/alerts/settings</c>: its alert rules, channels and recipients (tenant admins; secrets are never read back).
/// </summary>
public static class AlertsApi
{
    /// <summary>Most alerts one request returns.</summary>
    public const int MaxLimit = 1000;

    public static RouteGroupBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/alerts").WithTags("Alerts").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        api.MapGet("/", ListAsync).WithName("ListAlerts").WithSummary("The tenant's raised alerts, newest first, with their deliveries.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/settings", GetSettingsAsync).WithName("GetAlertSettings").WithSummary("The tenant's alert rules, channels and recipients (secrets masked).");
        api.MapPut("/settings", PutSettingsAsync).WithName("PutAlertSettings").WithSummary("Replace the tenant's alert rules, channels and recipients.")
            .Accepts<AlertSettings>("application/json").ProducesValidationProblem().ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .Audited(AuditActions.AlertSettingsUpdate);
        return api;
    }

    /// <summary>The query string of <c>GET /v1/alerts</c>.</summary>
    public sealed record AlertFilter(
        [property: FromQuery(Name = "from"), Description("Only alerts raised at or after this time (ISO 8601).")] string? From,
        [property: FromQuery(Name = "to"), Description("Only alerts raised before this time (ISO 8601).")] string? To,
        [property: FromQuery(Name = "limit"), Description("Most alerts to return (1–1000, default 100).")] int? Limit = null);

    public sealed record AlertListResponse(IReadOnlyList<AlertRecord> Items);

    internal static async Task<Results<Ok<AlertListResponse>, ProblemHttpResult>> ListAsync(
        TenantId tenant, IAlertStore alerts, [AsParameters] AlertFilter filter, CancellationToken cancellationToken)
    {
        if (!TimeParameter.TryParse(filter.From, out var from) || !TimeParameter.TryParse(filter.To, out var to))
        {
            return JsonBody.Invalid($"'from' and 'to' must be ISO 8601 dates or times (e.g. 2025-03-01 or 2025-03-01T12:00:00Z); got from='{filter.From}', to='{filter.To}'.");
        }

        if (from is not null && to is not null && from >= to)
        {
            return JsonBody.Invalid($"'from' ({from:O}) must be before 'to' ({to:O}).");
        }

        var limit = filter.Limit ?? 100;
        if (limit is < 1 or > MaxLimit)
        {
            return JsonBody.Invalid($"'limit' must be between 1 and {MaxLimit}; got {limit}.");
        }

        return TypedResults.Ok(new AlertListResponse(await alerts.ListAsync(tenant.Value, from, to, limit, cancellationToken)));
    }

    /// <summary>The settings with every rule (a kind the tenant never set shows its default, as it applies), secrets masked.</summary>
    internal static async Task<Ok<AlertSettings>> GetSettingsAsync(TenantId tenant, AlertService alerts, CancellationToken cancellationToken)
    {
        var settings = await alerts.GetSettingsAsync(tenant.Value, cancellationToken);
        var shown = settings.Masked();
        foreach (var kind in AlertKinds.All)
        {
            shown.Rules.TryAdd(kind, settings.Rule(kind));
        }

        return TypedResults.Ok(shown);
    }

    internal static async Task<Results<Ok<AlertSettings>, ValidationProblem, ProblemHttpResult>> PutSettingsAsync(
        HttpContext httpContext, TenantId tenant, AlertService alerts, IAlertStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (settings, problem) = await JsonBody.ReadAsync<AlertSettings>(httpContext.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        settings!.KeepSecretsFrom(await alerts.GetSettingsAsync(tenant.Value, cancellationToken));
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid alert settings",
                detail: string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }

        await store.SaveSettingsAsync(tenant.Value, settings.ToJson(), time.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(settings.Masked());
    }
}
