using AgentRag.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// The data folder's scratch space (<c>data/tmp</c>): uploads in flight are streamed here before they are stored. Files
/// not written for <see cref="IngestionOptions.ScratchMaxAge"/> are leftovers (a crash, a killed process) and
/// <see cref="Sweep"/> deletes them; <see cref="EnsureRoomFor"/> keeps the folder under
/// <see cref="IngestionOptions.MaxScratchBytes"/>. Thread-safe. Several processes may share the folder (a CLI ingest
/// beside a server): the cap counts every file in it, and the sweep only deletes files old enough to be abandoned.
/// </summary>
public sealed class ScratchSpace(DataFolder dataFolder, IOptions<IngestionOptions> options, TimeProvider time, ILogger<ScratchSpace> logger)
{
    /// <summary>A fresh path in the scratch folder (created if missing). The caller deletes the file.</summary>
    public string CreateFilePath()
    {
        Directory.CreateDirectory(dataFolder.TempDirectory);
        return Path.Combine(dataFolder.TempDirectory, $"upload-{Guid.NewGuid():N}");
    }

    /// <summary>Total size of the files in the scratch folder now.</summary>
    public long UsedBytes()
    {
        var directory = new DirectoryInfo(dataFolder.TempDirectory);
        if (!directory.Exists)
        {
            return 0;
        }

        long total = 0;
        foreach (var file in directory.EnumerateFiles())
        {
            try
            {
                total += file.Length;
            }
            catch (FileNotFoundException)
            {
                // Deleted while enumerating.
            }
        }

        return total;
    }

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

    /// <summary>Deletes a scratch file if it exists. Never throws for a missing file.</summary>
    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>
    /// Deletes the scratch files last written more than <see cref="IngestionOptions.ScratchMaxAge"/> ago (by the
    /// injected clock). A file that cannot be deleted (in use on a platform that locks) is left for the next sweep.
    /// </summary>
    /// <returns>The number of files deleted and their total size.</returns>
    public (int Files, long Bytes) Sweep()
    {
        var directory = new DirectoryInfo(dataFolder.TempDirectory);
        if (!directory.Exists)
        {
            return (0, 0);
        }

        var cutoff = (time.GetUtcNow() - options.Value.ScratchMaxAge).UtcDateTime;
        int files = 0;
        long bytes = 0;
        foreach (var file in directory.EnumerateFiles())
        {
            try
            {
                if (file.LastWriteTimeUtc < cutoff)
                {
                    var size = file.Length;
                    file.Delete();
                    files++;
                    bytes += size;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not delete stale scratch file {Path}: {Error}", file.FullName, ex.Message);
            }
        }

        if (files > 0)
        {
            logger.LogInformation("Deleted {Files} stale scratch file(s), {Bytes} bytes, from {Directory}", files, bytes, directory.FullName);
        }

        return (files, bytes);
    }
}

/// <summary>The scratch folder is at its size cap (<see cref="IngestionOptions.MaxScratchBytes"/>).</summary>
public sealed class ScratchSpaceFullException(string message) : IOException(message);
