using AgentRag.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// The staging area of the <see cref="IBlobStore"/> (the data folder's <c>tmp/</c> in embedded mode), with its limits:
/// uploads in flight are streamed there before they are stored. Files not written for
/// <see cref="IngestionOptions.ScratchMaxAge"/> are leftovers (a crash, a killed process) and <see cref="Sweep"/> deletes
/// them; <see cref="EnsureRoomFor"/> keeps the area under <see cref="IngestionOptions.MaxScratchBytes"/>. Thread-safe.
/// Several processes may share the area (a CLI ingest beside a server): the cap counts every file in it, and the sweep
/// only deletes files old enough to be abandoned.
/// </summary>
public sealed class ScratchSpace(IBlobStore blobs, IOptions<IngestionOptions> options, TimeProvider time, ILogger<ScratchSpace> logger)
{
    /// <summary>A fresh path in the staging area (created if missing). The caller deletes the file (<see cref="Delete"/>) or stores it.</summary>
    public string CreateFilePath() => blobs.CreateStagingPath();

    /// <summary>Total size of the files in the staging area now.</summary>
    public long UsedBytes() => blobs.GetStagedBytes();

    /// <summary>
    /// The room left under the cap, at least <paramref name="bytes"/>: throws when <paramref name="bytes"/> more would
    /// take the folder over <see cref="IngestionOptions.MaxScratchBytes"/>. Nothing is reserved: a writer checks again
    /// as it goes (see the upload staging), so concurrent writers overshoot by at most what they wrote since.
    /// </summary>
    /// <exception cref="ScratchSpaceFullException">The folder has no room for <paramref name="bytes"/> more.</exception>
    public long EnsureRoomFor(long bytes)
    {
        var limit = options.Value.MaxScratchBytes;
        var used = UsedBytes();
        if (used + bytes > limit)
        {
            throw new ScratchSpaceFullException(
                $"The upload does not fit in the scratch folder: it holds {used:N0} bytes of uploads in flight and its limit is {limit:N0} bytes "
                + "(AgentRag:Ingestion:MaxScratchBytes). Retry when other uploads have finished, or raise the limit.");
        }

        return limit - used;
    }

    /// <summary>Deletes a staged file if it exists. Never throws for a missing file.</summary>
    public void Delete(string path) => blobs.DeleteStaged(path);

    /// <summary>
    /// Deletes the staged files last written more than <see cref="IngestionOptions.ScratchMaxAge"/> ago (by the
    /// injected clock). A file that cannot be deleted (in use on a platform that locks) is left for the next sweep.
    /// </summary>
    /// <returns>The number of files deleted and their total size.</returns>
    public (int Files, long Bytes) Sweep()
    {
        var (files, bytes) = blobs.DeleteStagedOlderThan(time.GetUtcNow() - options.Value.ScratchMaxAge);
        if (files > 0)
        {
            logger.LogInformation("Deleted {Files} stale scratch file(s), {Bytes} bytes", files, bytes);
        }

        return (files, bytes);
    }
}

/// <summary>The scratch folder is at its size cap (<see cref="IngestionOptions.MaxScratchBytes"/>).</summary>
public sealed class ScratchSpaceFullException(string message) : IOException(message);
