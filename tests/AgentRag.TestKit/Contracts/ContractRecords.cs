using System.Security.Cryptography;
using System.Text;
using AgentRag.Core;
using AgentRag.Core.Documents;

namespace AgentRag.TestKit.Contracts;

/// <summary>Records the contract suites store: documents with real content hashes, chunks with spans into their page.</summary>
public static class ContractRecords
{
    public const string TenantA = "tenant-a";
    public const string TenantB = "tenant-b";

    /// <summary>A moment with a non-UTC offset, so a backend that drops the offset's meaning fails the round trips.</summary>
    public static readonly DateTimeOffset Epoch = new(2025, 3, 14, 9, 26, 53, TimeSpan.FromHours(2));

    /// <summary>A pending text document of <paramref name="tenantId"/> whose content (and so SHA-256 and size) is <paramref name="content"/>.</summary>
    public static Document NewDocument(string tenantId, string content, DateTimeOffset? createdAt = null)
    {
        var id = Ids.New("doc");
        return new Document
        {
            Id = id,
            TenantId = tenantId,
            FileName = content + ".txt",
            ContentType = "text/plain",
            SizeBytes = Encoding.UTF8.GetByteCount(content),
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))),
            StoredPath = $"originals/{tenantId}/{id}",
            CreatedAt = createdAt ?? Epoch,
            UpdatedAt = createdAt ?? Epoch,
        };
    }

    /// <summary>A chunk of <paramref name="document"/> covering <paramref name="text"/> at <paramref name="start"/> of one page.</summary>
    public static Chunk NewChunk(Document document, int ordinal, string text, int page, int start) => new()
    {
        Id = Ids.New("chk"),
        DocumentId = document.Id,
        TenantId = document.TenantId,
        Ordinal = ordinal,
        Text = text,
        TokenCount = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length,
        Pages = [page],
        Spans = [new SourceSpan(page, start, start + text.Length)],
    };

    /// <summary>
    /// The real Debian Policy README (from the shared corpus) as a processing document of <paramref name="tenantId"/>:
    /// its "pages" are its level-2 sections and its chunks its paragraphs, with spans pointing back into the page text.
    /// </summary>
    public static async Task<(Document Document, List<DocumentPage> Pages, List<Chunk> Chunks)> ReadmeAsync(string tenantId)
    {
        var path = SharedPaths.CorpusFile("debian-policy-README.txt");
        var bytes = await File.ReadAllBytesAsync(path);
        var text = Encoding.UTF8.GetString(bytes);
        var document = NewDocument(tenantId, "readme") with
        {
            FileName = Path.GetFileName(path),
            SizeBytes = bytes.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Status = DocumentStatus.Processing,
        };

        var sections = text.Split("\n## ").Select((s, i) => i == 0 ? s : "## " + s).ToList();
        var pages = sections.Select((s, i) => new DocumentPage(document.Id, tenantId, i + 1, s)).ToList();
        var chunks = new List<Chunk>();
        foreach (var page in pages)
        {
            var start = 0;
            foreach (var paragraph in page.Text.Split("\n\n"))
            {
                if (paragraph.Trim().Length > 0)
                {
                    chunks.Add(NewChunk(document, chunks.Count, paragraph, page.Number, start) with
                    {
                        HeadingPath = "Debian Policy > " + page.Text.Split('\n')[0].TrimStart('#', ' '),
                    });
                }

                start += paragraph.Length + 2;
            }
        }

        return (document, pages, chunks);
    }
}
