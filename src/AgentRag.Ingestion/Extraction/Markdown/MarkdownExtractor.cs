using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AgentRag.Core.Documents;
using Markdig;
using Markdig.Extensions.DefinitionLists;
using Markdig.Extensions.Tables;
using Markdig.Extensions.TaskLists;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace AgentRag.Ingestion.Extraction.Markdown;

/// <summary>
/// Extracts Markdown with Markdig (CommonMark plus pipe and grid tables, YAML front matter, definition and task lists)
/// into plain text without markup: headings, paragraphs, nested lists with their numbering, fenced and indented code,
/// block quotes and tables with their header row. HTML comments and link reference definitions are dropped; other raw
/// HTML keeps its text. Front matter supplies title, author, date and language. Stateless and thread-safe.
/// </summary>
public sealed partial class MarkdownExtractor : IDocumentExtractor
{
    private static readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseYamlFrontMatter()
        .UseListExtras()
        .UseDefinitionLists()
        .UseTaskLists()
        .Build();

    public bool CanExtract(string contentType) => contentType == ContentTypes.Markdown;

    /// <summary>Extraction is in-process and cheap, so submission runs it in full: a file without text is refused at once.</summary>
    public Task ValidateAsync(DocumentSource source, CancellationToken cancellationToken = default) =>
        ExtractAsync(source, progress: null, cancellationToken);

    /// <inheritdoc />
    public async Task<ExtractedDocument> ExtractAsync(DocumentSource source, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var markdown = await TextEncodingDetector.ReadAllTextAsync(source.Path, source.FileName, cancellationToken);
        MarkdownDocument document;
        try
        {
            document = Markdig.Markdown.Parse(markdown, _pipeline);
        }
        catch (ArgumentException ex)
        {
            // Markdig refuses input nested beyond its depth limit (e.g. thousands of '>') with an ArgumentException.
            throw new DocumentExtractionException(source.FileName, ExtractionFailure.Corrupt, $"the Markdown cannot be parsed: {ex.Message}", ex);
        }

        var renderer = new Renderer();
        renderer.Walk(document);
        if (!renderer.Builder.HasText)
        {
            throw new DocumentExtractionException(source.FileName, ExtractionFailure.NoText, "the Markdown file has no text.");
        }

        progress?.Report(new ExtractionProgress(1, 1, "Extracted Markdown"));
        return renderer.Builder.Build(ContentTypes.Markdown, renderer.Metadata, []);
    }

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex HtmlTag();

    private sealed class Renderer
    {
        public StructuredTextBuilder Builder { get; } = new();

        public DocumentMetadata Metadata { get; private set; } = new();

        public void Walk(ContainerBlock container)
        {
            foreach (var block in container)
            {
                Render(block);
            }
        }

        private void Render(Block block)
        {
            switch (block)
            {
                case YamlFrontMatterBlock frontMatter:
                    Metadata = ParseFrontMatter(frontMatter.Lines.ToString());
                    break;
                case HeadingBlock heading:
                    Builder.AddHeading(heading.Level, InlineText(heading.Inline));
                    break;
                case CodeBlock code: // fenced and indented
                    Builder.AddCode(code.Lines.ToString());
                    break;
                case HtmlBlock html when html.Type == HtmlBlockType.Comment:
                    break;
                case HtmlBlock html:
                    Builder.AddParagraph(System.Net.WebUtility.HtmlDecode(HtmlTag().Replace(html.Lines.ToString(), " ")));
                    break;
                case ListBlock list:
                    RenderList(list, 0);
                    break;
                case QuoteBlock quote:
                    foreach (var inner in quote)
                    {
                        if (inner is ParagraphBlock paragraph)
                        {
                            Builder.AddQuote(InlineText(paragraph.Inline));
                        }
                        else
                        {
                            Render(inner);
                        }
                    }

                    break;
                case Table table:
                    RenderTable(table);
                    break;
                case DefinitionTerm term:
                    Builder.AddParagraph(InlineText(term.Inline));
                    break;
                case LinkReferenceDefinitionGroup or ThematicBreakBlock or BlankLineBlock:
                    break;
                case LeafBlock leaf:
                    Builder.AddParagraph(InlineText(leaf.Inline));
                    break;
                case ContainerBlock container: // definition lists and items, footnotes, custom containers
                    Walk(container);
                    break;
            }
        }

        private void RenderList(ListBlock list, int depth)
        {
            var number = list.IsOrdered && int.TryParse(list.OrderedStart, CultureInfo.InvariantCulture, out var start) ? start : 1;
            foreach (var item in list.OfType<ListItemBlock>())
            {
                // The item's leading paragraphs are its text; what follows (sub-lists, code) renders after it.
                var text = new StringBuilder();
                var index = 0;
                for (; index < item.Count && item[index] is ParagraphBlock paragraph; index++)
                {
                    text.Append(text.Length > 0 ? " " : "").Append(InlineText(paragraph.Inline));
                }

                Builder.AddListItem(text.ToString(), depth, list.IsOrdered ? $"{number}{list.OrderedDelimiter}" : "-");
                number++;
                for (; index < item.Count; index++)
                {
                    if (item[index] is ListBlock sublist)
                    {
                        RenderList(sublist, depth + 1);
                    }
                    else
                    {
                        Render(item[index]);
                    }
                }
            }
        }

        private void RenderTable(Table table)
        {
            var rows = table.OfType<Markdig.Extensions.Tables.TableRow>().ToList();
            var cells = rows
                .Select(row => (IReadOnlyList<string>)[.. row.OfType<TableCell>().Select(cell => string.Join(' ', cell.OfType<LeafBlock>().Select(l => InlineText(l.Inline))))])
                .ToList();
            Builder.AddTable(cells, rows.TakeWhile(r => r.IsHeader).Count());
        }

        private static string InlineText(ContainerInline? inline)
        {
            var text = new StringBuilder();
            Append(inline, text);
            return text.ToString();
        }

        private static void Append(Inline? inline, StringBuilder text)
        {
            switch (inline)
            {
                case null:
                    break;
                case LiteralInline literal:
                    text.Append(literal.Content.AsSpan());
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case LineBreakInline lineBreak:
                    text.Append(lineBreak.IsHard ? StructuredTextBuilder.LineBreak : ' ');
                    break;
                case HtmlEntityInline entity:
                    text.Append(entity.Transcoded.AsSpan());
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case TaskList task:
                    text.Append(task.Checked ? "[x] " : "[ ] ");
                    break;
                case HtmlInline:
                    break;
                case ContainerInline container: // emphasis, links (their label), images (their alt text)
                    for (var child = container.FirstChild; child is not null; child = child.NextSibling)
                    {
                        Append(child, text);
                    }

                    break;
            }
        }

        /// <summary>Reads the flat "key: value" pairs of YAML front matter that name document metadata.</summary>
        private static DocumentMetadata ParseFrontMatter(string yaml)
        {
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in yaml.Split('\n'))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && !char.IsWhiteSpace(line[0]))
                {
                    fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim().Trim('"', '\''));
                }
            }

            string? Field(params string[] keys) => keys.Select(k => fields.GetValueOrDefault(k)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
            var date = Field("date", "created");
            return new DocumentMetadata
            {
                Title = Field("title"),
                Author = Field("author", "authors"),
                CreatedAt = DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : null,
                Language = Field("lang", "language"),
            };
        }
    }
}
