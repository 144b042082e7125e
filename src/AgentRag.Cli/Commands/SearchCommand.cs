using System.CommandLine;
using System.Globalization;
using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Search;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary><c>agentrag search "&lt;query&gt;" [--k 10] [--mode …]</c>.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "Free text (OR, BM25-ranked) or query syntax: \"phrase\", AND/OR/NOT, +must, -not, doc:, after:, before:, lang:." };
        var k = new Option<int>("--k") { Description = "Hits to return.", DefaultValueFactory = _ => 10 };
        var mode = EnumOption.Create("--mode", "bm25, dense or hybrid.", SearchMode.Hybrid);
        var rerank = new Option<bool>("--rerank") { Description = "Rerank the top candidates (needs a reranker)." };
        var expand = new Option<string?>("--expand") { Description = "Query expansion: rm3." };
        var command = new Command("search", "Search the ingested documents.") { query, k, mode, rerank, expand };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            SearchResponse response;
            try
            {
                response = await host.Get<SearchService>().SearchAsync(host.TenantId, new SearchRequest
                {
                    Query = parseResult.GetValue(query)!,
                    K = parseResult.GetValue(k),
                    Mode = parseResult.GetValue(mode),
                    Rerank = parseResult.GetValue(rerank),
                    Expand = parseResult.GetValue(expand),
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is QuerySyntaxException or ArgumentException)
            {
                throw new CliException(ex.Message.Replace(" (Parameter 'request')", "", StringComparison.Ordinal), ExitCodes.Usage);
            }
            catch (SearchUnavailableException ex)
            {
                throw new CliException(ex.Message, ExitCodes.Configuration);
            }

            if (host.Json)
            {
                JsonOutput.WriteLine(response);
                return ExitCodes.Success;
            }

            foreach (var warning in response.Warnings)
            {
                AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(warning)}[/]");
            }

            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(Describe(response.Mode))}[/]");

            var rank = 0;
            foreach (var hit in response.Hits)
            {
                var pages = hit.Pages.Count == 0 ? "" : hit.Pages.Count == 1 ? $", p. {hit.Pages[0]}" : $", pp. {hit.Pages[0]}–{hit.Pages[^1]}";
                AnsiConsole.MarkupLine($"[bold]{++rank}. {Markup.Escape(hit.DocumentName)}{Markup.Escape(pages)}[/] [grey]{Markup.Escape(hit.HeadingPath)}[/] (score {hit.Score.ToString("0.###", CultureInfo.InvariantCulture)})");
                Console.WriteLine(hit.Text.Length > 400 ? hit.Text[..400] + "…" : hit.Text);
                Console.WriteLine();
            }

            if (response.Hits.Count == 0)
            {
                Console.WriteLine("No results.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The label above the hits: which ranking they come from.</summary>
    private static string Describe(string mode) => mode switch
    {
        "hybrid" => "hybrid: keywords (BM25) and meaning (dense), fused",
        "dense" => "dense: meaning only",
        _ => "bm25: keywords only",
    };
}
