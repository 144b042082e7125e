using AgentRag.Ingestion.Pipeline;

namespace AgentRag.Server.Apis;

/// <summary>
/// Upload parts streamed to scratch files before any is submitted, so a request that breaks a limit (too many files)
/// creates no documents. A part that fails mid-copy (a cut-off body, a client that goes away, a full scratch folder)
/// leaves no file; disposing deletes the staged ones.
/// </summary>
internal sealed class StagedUploads(ScratchSpace scratch) : IAsyncDisposable
{
    /// <summary>Bytes copied at most between two checks of the scratch folder's cap.</summary>
    private const long CapCheckBytes = 1 << 20;

    private readonly List<(string FileName, string Path)> _files = [];

    public int Count => _files.Count;

    public IReadOnlyList<(string FileName, string Path)> Files => _files;

    /// <summary>Copies one part to disk. Returns the refusal when the part is over <paramref name="maxBytes"/>.</summary>
    /// <exception cref="ScratchSpaceFullException">The scratch folder reached its cap; the part's file is deleted.</exception>
    /// <exception cref="IOException">The body ended or failed mid-part; the part's file is deleted.</exception>
    public async Task<DocumentsApi.RejectedFile?> StageAsync(Stream body, string fileName, long maxBytes, CancellationToken cancellationToken)
    {
        var path = scratch.CreateFilePath();
        try
        {
            await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                long size = 0;
                long room = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        output.Close();
                        scratch.Delete(path);
                        return new DocumentsApi.RejectedFile(fileName, StatusCodes.Status413PayloadTooLarge,
                            $"{fileName}: the file is larger than the limit of {maxBytes:N0} bytes (AgentRag:Ingestion:MaxFileBytes).");
                    }

                    if (read > room)
                    {
                        await output.FlushAsync(cancellationToken);
                        room = Math.Min(scratch.EnsureRoomFor(read), CapCheckBytes);
                    }

                    room -= read;

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
        }
        catch
        {
            scratch.Delete(path);
            throw;
        }

        _files.Add((fileName, path));
        return null;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var (_, path) in _files)
        {
            scratch.Delete(path);
        }

        return ValueTask.CompletedTask;
    }
}
