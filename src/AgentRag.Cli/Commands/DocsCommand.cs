using System.CommandLine;
using System.Globalization;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Pipeline;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary><c>agentrag docs list|show|delete|reprocess|reembed</c>.</summary>
internal static class DocsCommand
{
    public static Command Create()
    {
        var command = new Command("docs", "List, inspect, delete, reprocess and re-embed documents.");
        command.Add(CreateList());
        command.Add(CreateShow());
        command.Add(CreateDelete());
        command.Add(CreateReprocess());
        command.Add(CreateReembed());
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
                table.AddRow(d.Id, Markup.Escape(d.FileName), Markup.Escape(StatusText(host, d)), Invariant(d.PageCount), Invariant(d.ChunkCount),
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
            Row("Status", StatusText(host, document));
            Row("Progress", $"{document.Progress}% {document.ProgressMessage}");
            Row("Pages", Invariant(document.PageCount));
            Row("Chunks", Invariant(document.ChunkCount));
            Row("Embedding", document.EmbeddingModel is null ? "none yet" : $"{document.EmbeddingModel}, {document.EmbeddedChunks}/{document.ChunkCount} chunks");
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
            Document? reset;
            try
            {
                reset = await ingestion.ResetForReprocessingAsync(host.TenantId, documentId, cancellationToken);
            }
            catch (OriginalUnavailableException ex)
            {
                throw new CliException(ex.Message);
            }

            if (reset is null)
            {
                throw NotFound(host, documentId);
            }

            var final = await ingestion.ProcessAsync(host.TenantId, documentId, cancellationToken)
                ?? throw NotFound(host, documentId);
            string? semanticError = null;
            if (final.Status == DocumentStatus.Ready)
            {
                var embedded = await SemanticProgress.WaitAsync(
                    host.Get<DocumentEmbeddingService>(), host.Get<IngestionEventHub>(), [(final.FileName, final)], host.Json, cancellationToken);
                if (embedded.TryGetValue(final.Id, out var outcome))
                {
                    final = outcome.Document ?? throw NotFound(host, documentId);
                    semanticError = outcome.Error;
                }
            }

            if (host.Json)
            {
                JsonOutput.WriteLine(new
                {
                    id = final.Id, file = final.FileName, status = final.Status, pages = final.PageCount, chunks = final.ChunkCount,
                    embeddedChunks = final.EmbeddedChunks, embeddingModel = final.EmbeddingModel, error = final.Error ?? semanticError,
                });
            }
            else
            {
                Console.WriteLine($"{final.FileName}: {StatusText(host, final)}, {final.PageCount} pages, {final.ChunkCount} chunks{(semanticError is null ? "" : "; " + semanticError)}");
            }

            return final.Status == DocumentStatus.Ready && semanticError is null ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static Command CreateReembed()
    {
        var id = new Argument<string?>("id") { Description = "Document id (default: every ready document of the tenant).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(
            "reembed",
            "Embed documents again with the configured embedding model (texts the embedding cache holds for that model are not sent to it again).") { id };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var embedding = host.Get<DocumentEmbeddingService>();
            if (!embedding.IsEnabled)
            {
                throw new CliException(
                    "No embedding model is configured, so there is nothing to embed with (see docs/configuration.md, Embeddings).", ExitCodes.Configuration);
            }

            var documentId = parseResult.GetValue(id);
            if (documentId is not null)
            {
                var document = await GetOrThrowAsync(host, documentId, cancellationToken);
                if (document.Status != DocumentStatus.Ready)
                {
                    throw new CliException($"Document '{documentId}' is {StatusText(host, document)}; only a ready document can be embedded.", ExitCodes.Failure);
                }
            }

            var marked = await embedding.ReembedAsync(host.TenantId, documentId, cancellationToken);
            var outcomes = await SemanticProgress.WaitAsync(
                embedding, host.Get<IngestionEventHub>(), [.. marked.Select(d => (d.FileName, d))], host.Json, cancellationToken);
            var failures = 0;
            foreach (var document in marked)
            {
                var (final, error) = outcomes.TryGetValue(document.Id, out var outcome) ? outcome : (document, null);
                failures += error is null && final is not null ? 0 : 1;
                if (host.Json)
                {
                    JsonOutput.WriteLine(new
                    {
                        id = document.Id, file = document.FileName, embeddedChunks = final?.EmbeddedChunks ?? 0, chunks = document.ChunkCount,
                        embeddingModel = final?.EmbeddingModel, error = error ?? (final is null ? "deleted during embedding" : null),
                    });
                }
                else
                {
                    Console.WriteLine($"{document.FileName}: {(final is null ? "deleted" : StatusText(host, final))}{(error is null ? "" : "; " + error)}");
                }
            }

            if (!host.Json)
            {
                Console.WriteLine($"Re-embedded {marked.Count - failures} of {marked.Count} document(s) with {embedding.Model}.");
            }

            return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static async Task<Document> GetOrThrowAsync(CliHost host, string documentId, CancellationToken cancellationToken) =>
        await host.Get<IDocumentStore>().GetAsync(host.TenantId, documentId, cancellationToken) ?? throw NotFound(host, documentId);

    private static CliException NotFound(CliHost host, string documentId) =>
        new($"No document '{documentId}' in tenant '{host.TenantId}'.", ExitCodes.NotFound);

    private static string StatusText(CliHost host, Document d) => SemanticProgress.StatusText(d, host.Get<DocumentEmbeddingService>().Model);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
