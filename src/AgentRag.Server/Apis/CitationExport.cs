using System.ComponentModel;
using System.Globalization;
using System.Text;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>GET /v1/queries/{id}/citations?format=json|bibtex</c>: an answer's citations for a reference manager, with each
/// cited document's title, author and date where its file had them.
/// </summary>
public static class CitationExport
{
    public const string BibTexContentType = "application/x-bibtex; charset=utf-8";

    /// <summary>One exported citation: the <c>[n]</c> of the answer, the document and where in it, and the quote.</summary>
    public sealed record ExportedCitation(
        int Number, string DocumentId, string DocumentName, string? Title, string? Author, DateTimeOffset? Date, int? Page,
        IReadOnlyList<int> Pages, string HeadingPath, string Quote, double Support);

    public sealed record CitationList(string WorkflowId, string Question, IReadOnlyList<ExportedCitation> Citations);

    /// <summary>The query string of the export.</summary>
    public sealed record ExportFormat(
        [property: FromQuery(Name = "format"), Description("json (default) or bibtex.")] string? Format = null);

    internal static async Task<Results<Ok<CitationList>, ContentHttpResult, ProblemHttpResult>> ExportAsync(
        string id, TenantId tenant, HttpContext httpContext, WorkflowService workflows, IDocumentStore documents, [AsParameters] ExportFormat query,
        CancellationToken cancellationToken)
    {
        var format = (query.Format ?? "json").Trim().ToLowerInvariant();
        if (format is not ("json" or "bibtex"))
        {
            return JsonBody.Invalid($"'format' must be json or bibtex; got '{query.Format}'.");
        }

        var state = await workflows.GetAsync(tenant.Value, id, cancellationToken);
        if (state is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Query not found", detail: $"No query '{id}' exists for this tenant.");
        }

        if (state.Answer is not { } answer)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No answer yet",
                detail: $"Query '{id}' is {state.Status.ToString().ToLowerInvariant()} and has no answer whose citations could be exported.");
        }

        var byId = new Dictionary<string, Document?>(StringComparer.Ordinal);
        var exported = new List<ExportedCitation>(answer.Citations.Count);
        foreach (var citation in answer.Citations)
        {
            if (!byId.TryGetValue(citation.DocumentId, out var document))
            {
                byId[citation.DocumentId] = document = await documents.GetAsync(tenant.Value, citation.DocumentId, cancellationToken);
            }

            exported.Add(new ExportedCitation(
                citation.Number, citation.DocumentId, citation.DocumentName, NullIfBlank(document?.Metadata.Title), NullIfBlank(document?.Metadata.Author),
                document?.Metadata.CreatedAt, citation.Page, citation.Pages, citation.HeadingPath, citation.Quote, citation.Support));
        }

        var list = new CitationList(id, state.OriginalQuery ?? state.Query, exported);
        if (format == "json")
        {
            return TypedResults.Ok(list);
        }

        httpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"citations-{id}.bib\"";
        return TypedResults.Text(ToBibTex(list), BibTexContentType, Encoding.UTF8);
    }

    /// <summary>
    /// One <c>@misc</c> entry per citation, keyed <c>&lt;workflow&gt;:&lt;n&gt;</c>; field values are brace-delimited with
    /// TeX's special characters escaped, so any title or quote parses.
    /// </summary>
    public static string ToBibTex(CitationList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var text = new StringBuilder();
        text.Append("% Citations of AgentRag query ").Append(list.WorkflowId).Append(": ").Append(OneLine(list.Question)).Append('\n');
        foreach (var c in list.Citations)
        {
            text.Append('\n').Append("@misc{").Append(list.WorkflowId).Append(':').Append(c.Number.ToString(CultureInfo.InvariantCulture)).Append(",\n");
            Field(text, "title", c.Title ?? c.DocumentName);
            if (c.Author is { } author)
            {
                Field(text, "author", author);
            }

            if (c.Date is { } date)
            {
                Field(text, "year", date.Year.ToString(CultureInfo.InvariantCulture));
            }

            if (c.Page is { } page)
            {
                Field(text, "pages", page.ToString(CultureInfo.InvariantCulture));
            }

            Field(text, "howpublished", $"{c.DocumentName} (AgentRag document {c.DocumentId})");
            if (c.HeadingPath.Length > 0)
            {
                Field(text, "note", $"Section: {c.HeadingPath}");
            }

            Field(text, "abstract", c.Quote, last: true);
            text.Append("}\n");
        }

        return text.ToString();
    }

    private static void Field(StringBuilder text, string name, string value, bool last = false) =>
        text.Append("  ").Append(name).Append(" = {").Append(Escape(OneLine(value))).Append(last ? "}\n" : "},\n");

    /// <summary>Escapes TeX's special characters, so braces balance and nothing is read as a command.</summary>
    public static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var ch in value)
        {
            escaped.Append(ch switch
            {
                '\\' => @"\textbackslash{}",
                '{' => @"\{",
                '}' => @"\}",
                '&' => @"\&",
                '%' => @"\%",
                '$' => @"\$",
                '#' => @"\#",
                '_' => @"\_",
                '~' => @"\textasciitilde{}",
                '^' => @"\textasciicircum{}",
                _ => ch.ToString(),
            });
        }

        return escaped.ToString();
    }

    private static string OneLine(string value) => string.Join(' ', value.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
