using AgentRag.Ingestion.Pipeline;

namespace AgentRag.Server.Apis;

/// <summary>
/// Upload parts streamed to scratch files before any is submitted, so a request that breaks a limit (too many files)
/// creates no documents. Disposing deletes the scratch files.
/// </summary>
internal sealed class StagedUploads(DocumentIngestionService ingestion) : IAsyncDisposable
{
    private readonly List<(string FileName, string Path)> _files = [];

    public int Count => _files.Count;

    public IReadOnlyList<(string FileName, string Path)> Files => _files;

    /// <summary>Copies one part to disk. Returns the refusal when the part is over <paramref name="maxBytes"/>.</summary>
    public async Task<DocumentsApi.RejectedFile?> StageAsync(Stream body, string fileName, long maxBytes, CancellationToken cancellationToken)
    {
        var path = ingestion.CreateScratchFilePath();
        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            long size = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > maxBytes)
                {
                    output.Close();
                    File.Delete(path);
                    return new DocumentsApi.RejectedFile(fileName, StatusCodes.Status413PayloadTooLarge,
                        $"{fileName}: the file is larger than the limit of {maxBytes:N0} bytes (AgentRag:Ingestion:MaxFileBytes).");
                }

                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        _files.Add((fileName, path));
        return null;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var (_, path) in _files)
        {
            File.Delete(path);
        }

        return ValueTask.CompletedTask;
    }
}
