using System.Text.RegularExpressions;
using AgentRag.Agents.Text;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;

namespace AgentRag.Server.Apis;

/// <summary>
/// A quote of a document's page with the sentences around it (<c>GET /v1/documents/{id}/passage</c>): what a citation
/// panel shows. <see cref="Before"/>, <see cref="Quote"/> and <see cref="After"/> are consecutive text of the page, with
/// whitespace runs collapsed; <see cref="QuoteLocated"/> is false when a quote given as text was not found on the page
/// (then <see cref="Quote"/> is that text and there is no context).
/// </summary>
public sealed partial record PassageContext(
    string DocumentId,
    string DocumentName,
    int Page,
    int PageCount,
    string Before,
    string Quote,
    string After,
    bool QuoteLocated,
    string OriginalUrl)
{
    /// <summary>
    /// The passage of <paramref name="page"/> at [<paramref name="start"/>, <paramref name="end"/>) or, without a span,
    /// at the first occurrence of <paramref name="quote"/>, with <paramref name="sentences"/> sentences each side; null
    /// when the span lies outside the page's text.
    /// </summary>
    public static PassageContext? Around(Document document, DocumentPage page, int? start, int? end, string? quote, int sentences)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(page);
        var text = page.Text;
        var originalUrl = $"/v1/documents/{document.Id}/original";
        int from, to;
        if (start is { } s && end is { } e)
        {
            if (e > text.Length)
            {
                return null;
            }

            (from, to) = (s, e);
        }
        else
        {
            var at = Locate(text, quote!);
            if (at is null)
            {
                return new PassageContext(document.Id, document.FileName, page.Number, document.PageCount, "", Collapse(quote!), "", false, originalUrl);
            }

            (from, to) = at.Value;
        }

        var segments = SentenceSplitter.Split(text);
        var before = segments.Where(x => x.End <= from).TakeLast(sentences).FirstOrDefault() is { } first ? text[Math.Min(first.Start, from)..from] : "";
        var after = segments.Where(x => x.Start >= to).Take(sentences).LastOrDefault() is { } last ? text[to..Math.Max(last.End, to)] : "";
        return new PassageContext(document.Id, document.FileName, page.Number, document.PageCount,
            Collapse(before), Collapse(text[from..to]), Collapse(after), true, originalUrl);
    }

    /// <summary>The first occurrence of <paramref name="quote"/> in <paramref name="text"/>, whitespace runs matching any whitespace.</summary>
    private static (int Start, int End)? Locate(string text, string quote)
    {
        var words = Whitespace().Split(quote.Trim()).Where(w => w.Length > 0).Select(Regex.Escape).ToList();
        if (words.Count == 0)
        {
            return null;
        }

        var match = Regex.Match(text, string.Join(@"\s+", words), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success ? (match.Index, match.Index + match.Length) : null;
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>A read stream over an original that releases its <see cref="LocalBlobFile"/> when disposed.</summary>
internal sealed class OriginalFileStream(LocalBlobFile original)
    : FileStream(original.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan)
{
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            original.Dispose();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        original.Dispose();
    }
}
