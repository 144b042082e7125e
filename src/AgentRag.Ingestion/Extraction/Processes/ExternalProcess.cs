using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace AgentRag.Ingestion.Extraction.Processes;

/// <summary>The outcome of an external process that ran to completion.</summary>
/// <param name="Stderr">The first <see cref="ExternalProcess.MaxStderrChars"/> characters the process wrote to stderr.</param>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The first non-empty stderr line, for messages.</summary>
    public string FirstStderrLine =>
        Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}

/// <summary>
/// Runs a tool with an argument list (no shell, so file names are never interpreted), captures its output, and
/// bounds its run time. A process that outlives its time limit or whose caller cancels is killed with its children.
/// </summary>
internal static class ExternalProcess
{
    public const int MaxStderrChars = 4096;

    /// <summary>
    /// Runs <paramref name="executable"/>. <paramref name="onStdout"/>, when given, receives stdout as it arrives, in
    /// blocks; the returned <see cref="ProcessResult.Stdout"/> holds all of it either way. Throws
    /// <see cref="DocumentExtractionException"/> (about <paramref name="fileName"/>) when the tool is missing
    /// (<see cref="ExtractionFailure.ToolMissing"/>), cannot be started (<see cref="ExtractionFailure.Io"/>) or times out
    /// (<see cref="ExtractionFailure.Timeout"/>); <see cref="OperationCanceledException"/> when cancelled.
    /// A non-zero exit code is returned, not thrown: the caller knows what the tool's errors mean.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        string fileName,
        TimeSpan timeout,
        TimeProvider timeProvider,
        Action<ReadOnlySpan<char>>? onStdout = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex) when (ex.NativeErrorCode == 2)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.ToolMissing,
                $"the tool '{executable}' is not installed or not on PATH (install poppler-utils / tesseract-ocr, or set its path in {DocumentExtractionOptions.SectionName}).", ex);
        }
        catch (Win32Exception ex)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Io, $"starting '{executable}' failed: {ex.Message}", ex);
        }

        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            var stdoutTask = ReadAllAsync(process.StandardOutput, onStdout, int.MaxValue, linked.Token);
            var stderrTask = ReadAllAsync(process.StandardError, null, MaxStderrChars, linked.Token);
            await process.WaitForExitAsync(linked.Token);
            return new ProcessResult(process.ExitCode, await stdoutTask, await stderrTask);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeoutSource.IsCancellationRequested)
        {
            Kill(process);
            throw new DocumentExtractionException(fileName, ExtractionFailure.Timeout,
                $"'{Path.GetFileName(executable)}' did not finish within {timeout.TotalSeconds:0.#} s ({DocumentExtractionOptions.SectionName}:ProcessTimeout).");
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
    }

    private static async Task<string> ReadAllAsync(StreamReader reader, Action<ReadOnlySpan<char>>? onBlock, int keep, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            onBlock?.Invoke(buffer.AsSpan(0, read));
            if (text.Length < keep)
            {
                text.Append(buffer, 0, Math.Min(read, keep - text.Length));
            }
        }

        return text.ToString();
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }
    }
}
