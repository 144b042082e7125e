using System.Collections.Concurrent;
using System.Globalization;
using AgentRag.Core;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Extraction.Pdf;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Previews;

/// <summary>
/// PNG images of PDF pages, rendered by <see cref="PdfPageRenderer"/> on first request and kept under the data folder
/// (<c>cache/page-images/&lt;tenant&gt;/&lt;document&gt;/&lt;run&gt;/&lt;page&gt;-&lt;width&gt;.png</c>). The run folder is
/// named from the document's attempt count and content hash, so a reprocessed document never shows an image of its
/// earlier run, even on a replica that missed the invalidation; <see cref="Invalidate"/> deletes a document's images
/// when it is reprocessed or deleted. At most <see cref="PageImageOptions.MaxConcurrentRenders"/> renders run at once,
/// concurrent requests for one image share one render, and the least recently used images are deleted once the cache
/// holds more than <see cref="PageImageOptions.MaxCacheBytes"/>. Thread-safe.
/// </summary>
public sealed class PageImageCache : IDisposable
{
    private readonly PdfPageRenderer _renderer;
    private readonly IBlobStore _blobs;
    private readonly PageImageOptions _options;
    private readonly SemaphoreSlim _renders;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _trimGate = new();
    private readonly TimeProvider _time;

    public PageImageCache(DataFolder dataFolder, PdfPageRenderer renderer, IBlobStore blobs, IOptions<PageImageOptions> options, TimeProvider time)
    {
        _time = time;
        Root = Path.Combine(dataFolder.Root, "cache", "page-images");
        _renderer = renderer;
        _blobs = blobs;
        _options = options.Value;
        _renders = new SemaphoreSlim(_options.MaxConcurrentRenders, _options.MaxConcurrentRenders);
    }

    /// <summary>The cache's folder.</summary>
    public string Root { get; }

    /// <summary>
    /// The path of the PNG of page <paramref name="page"/> of <paramref name="document"/> (a PDF whose page count covers
    /// the page; the caller checks) at <paramref name="width"/> pixels, rendering it first when it is not cached.
    /// Throws <see cref="OriginalUnavailableException"/> when the original is no longer stored and
    /// <see cref="AgentRag.Ingestion.Extraction.DocumentExtractionException"/> when pdftoppm fails.
    /// </summary>
    public async Task<string> GetOrRenderAsync(Document document, int page, int width, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var path = ImagePath(document, page, width);
        if (File.Exists(path))
        {
            TryTouch(path);
            return path;
        }

        // The render belongs to every waiter: one caller giving up does not cancel it for the others.
        await _inFlight.GetOrAdd(path, key => new Lazy<Task>(() => RenderAsync(document, page, width, key))).Value.WaitAsync(cancellationToken);
        return path;
    }

    /// <summary>Deletes every cached image of the tenant's document. Never throws for a missing folder; idempotent.</summary>
    public void Invalidate(string tenantId, string documentId)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        DeleteFolder(Path.Combine(Root, tenantId, SafeSegment(documentId)));
    }

    /// <summary>Deletes every cached image of the tenant (erasure). Idempotent.</summary>
    public void InvalidateTenant(string tenantId)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        DeleteFolder(Path.Combine(Root, tenantId));
    }

    public void Dispose() => _renders.Dispose();

    private string ImagePath(Document document, int page, int width)
    {
        Tenancy.ThrowIfInvalid(document.TenantId);
        var run = string.Create(CultureInfo.InvariantCulture, $"{document.Attempts}-{SafeSegment(document.Sha256[..Math.Min(16, document.Sha256.Length)])}");
        return Path.Combine(Root, document.TenantId, SafeSegment(document.Id), run,
            string.Create(CultureInfo.InvariantCulture, $"{page}-{width}.png"));
    }

    /// <summary>Renders one image; forgets the render once it ended, so a failure is not remembered for the next request.</summary>
    private async Task RenderAsync(Document document, int page, int width, string path)
    {
        // Never completes synchronously, so the entry is in the dictionary before the finally below removes it.
        await Task.Yield();
        try
        {
            await RenderOnceAsync(document, page, width, path);
        }
        finally
        {
            _inFlight.TryRemove(path, out _);
        }
    }

    private async Task RenderOnceAsync(Document document, int page, int width, string path)
    {
        await _renders.WaitAsync(CancellationToken.None);
        try
        {
            if (File.Exists(path))
            {
                return;
            }

            using var original = await _blobs.OpenLocalAsync(document.StoredPath, CancellationToken.None)
                ?? throw new OriginalUnavailableException(document.Id);
            var folder = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(folder);

            // Rendered beside its final name and moved into place, so no reader ever sees half an image.
            var partial = Path.Combine(folder, $".{Guid.NewGuid():N}.png");
            try
            {
                await _renderer.RenderPngAsync(original.Path, document.FileName, page, width, partial, CancellationToken.None);
                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }
        }
        finally
        {
            _renders.Release();
        }

        Trim();
    }

    /// <summary>Deletes the least recently used images until the cache fits <see cref="PageImageOptions.MaxCacheBytes"/>.</summary>
    private void Trim()
    {
        lock (_trimGate)
        {
            var files = new DirectoryInfo(Root).EnumerateFiles("*.png", SearchOption.AllDirectories).ToList();
            var total = files.Sum(file => file.Length);
            foreach (var file in files.OrderBy(file => file.LastWriteTimeUtc))
            {
                if (total <= _options.MaxCacheBytes)
                {
                    break;
                }

                try
                {
                    file.Delete();
                    total -= file.Length;
                }
                catch (IOException)
                {
                    // In use or gone already: the next trim tries again.
                }
            }
        }
    }

    /// <summary>Marks a cached image as recently used (its write time orders the eviction).</summary>
    private void TryTouch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
        }
        catch (IOException)
        {
            // Evicted meanwhile: the caller's read will say so.
        }
    }

    private static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Ids are generated (<c>doc_…</c>); anything else is refused rather than used as a path.</summary>
    private static string SafeSegment(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? value
            : throw new ArgumentException($"'{value}' cannot name a cache folder.", nameof(value));
}
