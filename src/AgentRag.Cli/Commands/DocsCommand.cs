using System.CommandLine;
using System.Globalization;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Pipeline;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary><c>agentrag docs list|show|delete|reprocess</c>.</summary>
internal static class DocsCommand
{
    public static Command Create()
    {
        var command = new Command("docs", "List, inspect, delete and reprocess documents.");
        command.Add(CreateList());
        command.Add(CreateShow());
        command.Add(CreateDelete());
        command.Add(CreateReprocess());
        return command;
    }

    private static Command CreateList()
    {
        var status = EnumOption.Create<DocumentStatus>("--status", "Only documents in this status.");
        var limit = new Option<int>("--limit") { Description = "Most documents to list.", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "List documents, newest first.") { status, limit };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var list = await host.Get<IDocumentStore>().ListAsync(
                host.TenantId, new DocumentListQuery(parseResult.GetValue(status), 0, Math.Clamp(parseResult.GetValue(limit), 1, 10_000)), cancellationToken);
            if (host.Json)
            {
                JsonOutput.WriteLine(new { items = list.Items, total = list.Total });
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("Id", "File", "Status", "Pages", "Chunks", "Updated");
            foreach (var d in list.Items)
            {
                table.AddRow(d.Id, Markup.Escape(d.FileName), Markup.Escape(StatusText(d)), Invariant(d.PageCount), Invariant(d.ChunkCount),
                    d.UpdatedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            Console.WriteLine($"{list.Items.Count} of {list.Total} document(s)");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateShow()
    {
        var id = new Argument<string>("id") { Description = "Document id." };
        var chunks = new Option<bool>("--chunks") { Description = "Include the document's chunks." };
        var command = new Command("show", "Show one document.") { id, chunks };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var store = host.Get<IDocumentStore>();
            var document = await GetOrThrowAsync(host, parseResult.GetValue(id)!, cancellationToken);
            var chunkList = parseResult.GetValue(chunks) ? await store.GetChunksAsync(host.TenantId, document.Id, cancellationToken) : null;
            if (host.Json)
            {
                JsonOutput.WriteLine(new { document, chunks = chunkList });
                return ExitCodes.Success;
            }

            var grid = new Grid().AddColumns(2);
            void Row(string name, string? value) => grid.AddRow($"[bold]{name}[/]", Markup.Escape(value ?? ""));
            Row("Id", document.Id);
            Row("File", document.FileName);
            Row("Type", document.ContentType);
            Row("Size", $"{document.SizeBytes:N0} bytes");
            Row("SHA-256", document.Sha256);
            Row("Status", StatusText(document));
            Row("Progress", $"{document.Progress}% {document.ProgressMessage}");
            Row("Pages", Invariant(document.PageCount));
            Row("Chunks", Invariant(document.ChunkCount));
            Row("Title", document.Metadata.Title);
            Row("Author", document.Metadata.Author);
            Row("Error", document.Error);
            Row("Warnings", string.Join("; ", document.Warnings));
            Row("Created", document.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            Row("Updated", document.UpdatedAt.ToString("u", CultureInfo.InvariantCulture));
            AnsiConsole.Write(grid);
            foreach (var chunk in chunkList ?? [])
            {
                var pages = chunk.Pages.Count == 0 ? "" : $" p. {string.Join(",", chunk.Pages)}";
                AnsiConsole.MarkupLine($"\n[bold]#{chunk.Ordinal}[/]{Markup.Escape(pages)} [grey]{Markup.Escape(chunk.HeadingPath)}[/] ({chunk.TokenCount} tokens)");
                Console.WriteLine(chunk.Text);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDelete()
    {
        var id = new Argument<string>("id") { Description = "Document id." };
        var command = new Command("delete", "Delete a document with its pages, chunks and index entries.") { id };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var documentId = parseResult.GetValue(id)!;
            if (!await host.Get<DocumentIngestionService>().DeleteAsync(host.TenantId, documentId, cancellationToken))
            {
                throw NotFound(host, documentId);
            }

            if (host.Json)
            {
                JsonOutput.WriteLine(new { id = documentId, deleted = true });
            }
            else
            {
                Console.WriteLine($"Deleted {documentId}.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateReprocess()
    {
        var id = new Argument<string>("id") { Description = "Document id." };
        var command = new Command("reprocess", "Run ingestion again for a document (e.g. one that failed).") { id };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var ingestion = host.Get<DocumentIngestionService>();
            var documentId = parseResult.GetValue(id)!;
            if (await ingestion.ResetForReprocessingAsync(host.TenantId, documentId, cancellationToken) is null)
            {
                throw NotFound(host, documentId);
            }

            var final = await ingestion.ProcessAsync(host.TenantId, documentId, cancellationToken)
                ?? throw NotFound(host, documentId);
            if (host.Json)
            {
                JsonOutput.WriteLine(new { id = final.Id, file = final.FileName, status = final.Status, pages = final.PageCount, chunks = final.ChunkCount, error = final.Error });
            }
            else
            {
                Console.WriteLine($"{final.FileName}: {StatusText(final)}, {final.PageCount} pages, {final.ChunkCount} chunks");
            }

            return final.Status == DocumentStatus.Ready ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static async Task<Document> GetOrThrowAsync(CliHost host, string documentId, CancellationToken cancellationToken) =>
        await host.Get<IDocumentStore>().GetAsync(host.TenantId, documentId, cancellationToken) ?? throw NotFound(host, documentId);

    private static CliException NotFound(CliHost host, string documentId) =>
        new($"No document '{documentId}' in tenant '{host.TenantId}'.", ExitCodes.NotFound);

    private static string StatusText(Document d) =>
        d.Status == DocumentStatus.Failed ? $"failed: {d.Error}" : d.Status.ToString().ToLowerInvariant();

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
