using System.ComponentModel;
using System.Text.Json;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Documents;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Retention;
using AgentRag.Core.Storage;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>GET /v1/errors</c>: the tenant's failures for its administrators, newest first: documents whose ingestion failed
/// (reprocessable from the stored original with <c>POST /v1/documents/{id}/reprocess</c> while retention keeps it) and
/// workflows that failed or were cancelled (their <c>error</c> event), each with its full message.
/// </summary>
public static class ErrorsApi
{
    /// <summary>Most items one page returns.</summary>
    public const int MaxLimit = 200;

    /// <summary>How far back the list looks when <c>since</c> is not given.</summary>
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromDays(30);

    /// <summary>The agent name of a document's failure (ingestion is not a workflow agent).</summary>
    public const string IngestionAgent = "ingestion";

    /// <summary>The agent name of a workflow error raised outside any step (planning, cancellation).</summary>
    public const string WorkflowAgent = "workflow";

    /// <summary>Most workflow errors read for one request (the store's page); older ones need a narrower time range.</summary>
    private const int MaxWorkflowErrors = 1000;

    private const int SummaryLength = 160;

    public static RouteGroupBuilder MapErrorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/errors").WithTags("Errors").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin).WithEnumParameters();
        api.MapGet("/", ListAsync).WithName("ListErrors")
            .WithSummary("The tenant's failed documents and failed or cancelled workflows, newest first, filtered by agent, time and severity.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    /// <summary>What failed.</summary>
    public enum ErrorKind
    {
        Document,
        Workflow,
    }

    /// <summary>How bad it is: a failed document or workflow is an error; a cancelled workflow a warning.</summary>
    public enum ErrorSeverity
    {
        Warning,
        Error,
    }

    /// <summary>The query string of <c>GET /v1/errors</c>.</summary>
    public sealed record ErrorFilter(
        [property: FromQuery(Name = "agent"), Description("Only failures of this agent (a workflow step's agent, 'ingestion' for documents, 'workflow' for failures outside a step).")] string? Agent = null,
        [property: FromQuery(Name = "since"), Description("Only failures at or after this time (ISO 8601; default 30 days before 'until').")] string? Since = null,
        [property: FromQuery(Name = "until"), Description("Only failures before this time (ISO 8601; default a minute from now).")] string? Until = null,
        [property: FromQuery(Name = "severity"), Description("Only failures of this severity.")] EnumParameter<ErrorSeverity>? Severity = null,
        [property: FromQuery(Name = "kind"), Description("Only failed documents or only workflows.")] EnumParameter<ErrorKind>? Kind = null,
        [property: FromQuery(Name = "offset"), Description("Items to skip (default 0).")] int? Offset = null,
        [property: FromQuery(Name = "limit"), Description("Most items to return, 1 to 200 (default 50).")] int? Limit = null);

    /// <summary>
    /// One failure. <see cref="Summary"/> is the first line of <see cref="Message"/>, shortened; <see cref="Message"/> is
    /// the full error. A document's item names it (<see cref="DocumentId"/>, <see cref="FileName"/>) and says whether it
    /// can be reprocessed; a workflow's names the workflow, and the step when a step failed.
    /// </summary>
    public sealed record ErrorItem(
        string Id, ErrorKind Kind, ErrorSeverity Severity, string Agent, DateTimeOffset At, string Summary, string Message, string? Code,
        string? DocumentId, string? FileName, int? Attempts, bool CanReprocess, string? WorkflowId, string? StepId);

    public sealed record ErrorListResponse(IReadOnlyList<ErrorItem> Items, int Total, int Offset, int Limit, DateTimeOffset Since, DateTimeOffset Until);

    internal static async Task<Results<Ok<ErrorListResponse>, ProblemHttpResult>> ListAsync(
        TenantId tenant, IDocumentStore documents, IMonitoringStore monitoring, IOptions<RetentionOptions> retention, TimeProvider time,
        [AsParameters] ErrorFilter filter, CancellationToken cancellationToken)
    {
        if (!TimeParameter.TryParse(filter.Since, out var since) || !TimeParameter.TryParse(filter.Until, out var until))
        {
            return JsonBody.Invalid($"'since' and 'until' must be ISO 8601 dates or times (e.g. 2025-03-01 or 2025-03-01T12:00:00Z); got since='{filter.Since}', until='{filter.Until}'.");
        }

        var now = time.GetUtcNow();
        // A minute ahead of this clock: failures recorded just now (or by a replica whose clock runs a little ahead) count.
        var to = until ?? now.AddMinutes(1);
        var from = since ?? to - DefaultSpan;
        if (from >= to)
        {
            return JsonBody.Invalid($"'since' ({from:O}) must be before 'until' ({to:O}).");
        }

        var offset = filter.Offset ?? 0;
        var limit = filter.Limit ?? 50;
        if (offset < 0)
        {
            return JsonBody.Invalid($"'offset' must be 0 or more; got {offset}.");
        }

        if (limit is < 1 or > MaxLimit)
        {
            return JsonBody.Invalid($"'limit' must be between 1 and {MaxLimit}; got {limit}.");
        }

        var agent = filter.Agent?.Trim();
        if (agent is { Length: 0 or > 100 })
        {
            return JsonBody.Invalid($"'agent' must be an agent's name of 1 to 100 characters; got '{filter.Agent}'.");
        }

        var items = new List<ErrorItem>();
        if (filter.Kind?.Value is null or ErrorKind.Document)
        {
            await foreach (var document in TenantDocuments.AllAsync(documents, tenant.Value, DocumentStatus.Failed, cancellationToken))
            {
                if (document.UpdatedAt >= from && document.UpdatedAt < to)
                {
                    items.Add(FromDocument(retention.Value.WithOriginalState(document, now)));
                }
            }
        }

        if (filter.Kind?.Value is null or ErrorKind.Workflow)
        {
            var prefix = WorkflowEvents.StreamId("");
            foreach (var stored in await monitoring.ListWorkflowErrorsAsync(tenant.Value, from, to, MaxWorkflowErrors, cancellationToken))
            {
                if (stored.StreamId.StartsWith(prefix, StringComparison.Ordinal))
                {
                    items.Add(FromWorkflowError(stored.StreamId[prefix.Length..], stored.Data, stored.Timestamp));
                }
            }
        }

        var matching = items
            .Where(i => agent is null || string.Equals(i.Agent, agent, StringComparison.OrdinalIgnoreCase))
            .Where(i => filter.Severity?.Value is not { } severity || i.Severity == severity)
            .OrderByDescending(i => i.At).ThenBy(i => i.Id, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(new ErrorListResponse([.. matching.Skip(offset).Take(limit)], matching.Count, offset, limit, from, to));
    }

    private static ErrorItem FromDocument(Document document)
    {
        var message = string.IsNullOrWhiteSpace(document.Error) ? "The ingestion failed without a reason." : document.Error;
        return new ErrorItem(
            document.Id, ErrorKind.Document, ErrorSeverity.Error, IngestionAgent, document.UpdatedAt, Summarize(message), message, null,
            document.Id, document.FileName, document.Attempts, !document.OriginalExpired, null, null);
    }

    /// <summary>An item of a workflow's <c>error</c> event (<c>{workflowId, code, message, stepId, agent}</c>).</summary>
    private static ErrorItem FromWorkflowError(string workflowId, string data, DateTimeOffset at)
    {
        string? code = null, message = null, stepId = null, agent = null;
        try
        {
            using var json = JsonDocument.Parse(data);
            var root = json.RootElement;
            code = Text(root, "code");
            message = Text(root, "message");
            stepId = Text(root, "stepId");
            agent = Text(root, "agent");
        }
        catch (JsonException)
        {
            message = data;
        }

        message = string.IsNullOrWhiteSpace(message) ? "The workflow ended without a reason." : message;
        return new ErrorItem(
            workflowId, ErrorKind.Workflow, code == "cancelled" ? ErrorSeverity.Warning : ErrorSeverity.Error, agent ?? WorkflowAgent, at,
            Summarize(message), message, code, null, null, null, false, workflowId, stepId);
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Summarize(string message)
    {
        var line = message.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        if (end >= 0)
        {
            line = line[..end];
        }

        return line.Length <= SummaryLength ? line.ToString() : string.Concat(line[..(SummaryLength - 1)], "…");
    }
}
