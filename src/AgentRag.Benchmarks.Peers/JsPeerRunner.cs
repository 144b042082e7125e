using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Serialization;

namespace AgentRag.Benchmarks.Peers;

/// <summary>One query set for a JavaScript peer: the first <paramref name="WarmUp"/> queries run untimed.</summary>
public sealed record JsQuerySet(string Name, IReadOnlyList<string> Queries, int WarmUp, int K, bool ReturnHits);

/// <summary>What one query set timed: milliseconds per timed query, and the ranked ids when they were asked for.</summary>
public sealed record JsQuerySetResult(string Name, double[] TimingsMs, IReadOnlyList<string[]>? Hits);

/// <summary>
/// The outcome of one JavaScript engine on one input: <see cref="Status"/> is <c>ok</c>, <c>failed</c> (with the
/// reason in <see cref="Detail"/>: the exit code and the end of its error output) or <c>timed out</c>.
/// </summary>
public sealed record JsPeerOutcome(
    string Engine, string Status, string? Detail, string? Version, int Documents, double IndexSeconds, long IndexHeapBytes, long PeakRssBytes,
    IReadOnlyList<JsQuerySetResult> Sets)
{
    public bool Succeeded => Status == "ok";

    internal static JsPeerOutcome Failure(string engine, string status, string detail) => new(engine, status, detail, null, 0, 0, 0, 0, []);
}

/// <summary>
/// Runs the JavaScript search engines (<c>peers-js/peers.mjs</c>: MiniSearch, wink-bm25-text-search) with the machine's
/// Node.js. On first use it copies the script with its committed package.json and package-lock.json into
/// <paramref name="installDirectory"/> and runs <c>npm ci</c> there; later runs reuse that install while the lockfile is
/// unchanged. Each engine runs in its own <c>node</c> process with <c>--max-old-space-size</c> and a time cap; an engine
/// that exits with an error or runs out of time is reported as such (<see cref="JsPeerOutcome.Status"/>), not thrown.
/// </summary>
public sealed class JsPeerRunner(string installDirectory, TimeSpan timeout, int maxOldSpaceMegabytes)
{
    /// <summary>The engines <c>peers.mjs</c> knows, in the order they are run.</summary>
    public static IReadOnlyList<string> Engines { get; } = ["minisearch", "wink-bm25"];

    private static readonly string[] Files = ["package.json", "package-lock.json", "peers.mjs"];

    /// <summary>
    /// Installs the engines unless the install in <paramref name="installDirectory"/> already matches the committed
    /// lockfile. Throws <see cref="JsPeersUnavailableException"/> when the script is missing, or node or npm cannot run
    /// or <c>npm ci</c> fails.
    /// </summary>
    public async Task EnsureInstalledAsync(CancellationToken cancellationToken = default)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "peers-js");
        foreach (var file in Files.Where(f => !File.Exists(Path.Combine(source, f))))
        {
            throw new JsPeersUnavailableException($"The JavaScript peers' {file} is missing from '{source}'; rebuild the CLI.");
        }

        Directory.CreateDirectory(installDirectory);
        var stamp = Path.Combine(installDirectory, ".installed-lock-sha256");
        var lockHash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(source, "package-lock.json"), cancellationToken)));
        foreach (var file in Files)
        {
            File.Copy(Path.Combine(source, file), Path.Combine(installDirectory, file), overwrite: true);
        }

        if (File.Exists(stamp) && await File.ReadAllTextAsync(stamp, cancellationToken) == lockHash && Directory.Exists(Path.Combine(installDirectory, "node_modules")))
        {
            return;
        }

        var (exitCode, _, error, timedOut) = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], installDirectory, TimeSpan.FromMinutes(5), cancellationToken);
        if (timedOut || exitCode != 0)
        {
            throw new JsPeersUnavailableException($"npm ci in '{installDirectory}' {(timedOut ? "timed out after 5 minutes" : $"failed with exit code {exitCode}")}: {Tail(error)}");
        }

        await File.WriteAllTextAsync(stamp, lockHash, cancellationToken);
    }

    /// <summary>
    /// Writes an input folder for <see cref="RunAsync"/>: the documents as JSON lines and the analysis settings and
    /// query sets as <c>spec.json</c>.
    /// </summary>
    public static async Task WriteInputAsync(
        string inputDirectory, IEnumerable<(string Id, string Text)> documents, IEnumerable<string> stopWords, double k1, double b,
        IReadOnlyList<JsQuerySet> sets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        Directory.CreateDirectory(inputDirectory);
        await using (var writer = new StreamWriter(Path.Combine(inputDirectory, "docs.jsonl"), append: false, new UTF8Encoding(false), 1 << 20))
        {
            foreach (var (id, text) in documents)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await writer.WriteLineAsync(JsonSerializer.Serialize(new { id, text }, AgentRagJson.Options));
            }
        }

        var spec = new { stopWords = stopWords.ToArray(), k1, b, sets };
        await File.WriteAllTextAsync(Path.Combine(inputDirectory, "spec.json"), JsonSerializer.Serialize(spec, AgentRagJson.Options), cancellationToken);
    }

    /// <summary>Runs <paramref name="engine"/> on the input folder written by <see cref="WriteInputAsync"/>; call <see cref="EnsureInstalledAsync"/> first.</summary>
    public async Task<JsPeerOutcome> RunAsync(string engine, string inputDirectory, CancellationToken cancellationToken = default)
    {
        string[] arguments = ["--expose-gc", $"--max-old-space-size={maxOldSpaceMegabytes}", "peers.mjs", engine, Path.GetFullPath(inputDirectory)];
        var (exitCode, output, error, timedOut) = await RunProcessAsync("node", arguments, installDirectory, timeout, cancellationToken);
        if (timedOut)
        {
            return JsPeerOutcome.Failure(engine, "timed out", $"no result within {timeout.TotalSeconds:0} s (the process was stopped)");
        }

        if (exitCode != 0)
        {
            return JsPeerOutcome.Failure(engine, "failed", $"exit code {exitCode}: {Tail(error)}");
        }

        try
        {
            var outcome = JsonSerializer.Deserialize<JsPeerOutcome>(output.Trim(), AgentRagJson.Options)
                ?? throw new JsonException("the output was null");
            return outcome with { Status = "ok" };
        }
        catch (JsonException ex)
        {
            return JsPeerOutcome.Failure(engine, "failed", $"unreadable output ({ex.Message}): {Tail(output)}");
        }
    }

    private static async Task<(int ExitCode, string Output, string Error, bool TimedOut)> RunProcessAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan limit, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new JsPeersUnavailableException($"{fileName} could not be started.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new JsPeersUnavailableException($"{fileName} could not be started ({ex.Message}); install Node.js and npm.", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var capped = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            capped.CancelAfter(limit);
            try
            {
                await process.WaitForExitAsync(capped.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                cancellationToken.ThrowIfCancellationRequested();
                return (-1, await output, await error, true);
            }

            return (process.ExitCode, await output, await error, false);
        }
    }

    /// <summary>The last lines of a process's output, for an error message.</summary>
    private static string Tail(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 600 ? trimmed : "…" + trimmed[^600..];
    }
}

/// <summary>The JavaScript peers cannot run here: Node.js or npm is missing, or their install failed.</summary>
public sealed class JsPeersUnavailableException : Exception
{
    public JsPeersUnavailableException(string message)
        : base(message)
    {
    }

    public JsPeersUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public JsPeersUnavailableException()
    {
    }
}
