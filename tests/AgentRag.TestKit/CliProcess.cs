using System.Diagnostics;
using System.Text;

namespace AgentRag.TestKit;

/// <summary>The outcome of one CLI run.</summary>
public sealed record CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    public IEnumerable<string> OutputLines => StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>
/// Runs the built <c>agentrag</c> CLI (the <c>agentrag.dll</c> copied beside the test assembly) as a child process,
/// as the tests must: not through the repository's wrapper script.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string CliAssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "agentrag.dll");

    public int Id => _process.Id;

    /// <summary>
    /// Runs the CLI to completion (or kills it after <paramref name="timeout"/>, default 5 minutes), in
    /// <paramref name="workingDirectory"/> when given (else the test's own).
    /// </summary>
    public static async Task<CliResult> RunAsync(
        IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        await using var cli = Start(arguments, environment, workingDirectory);
        return await cli.WaitForExitAsync(timeout ?? TimeSpan.FromMinutes(5));
    }

    /// <summary>Starts the CLI and returns at once; use <see cref="WaitForOutputAsync"/> and <see cref="Kill"/>.</summary>
    public static CliProcess Start(IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        if (!File.Exists(CliAssemblyPath))
        {
            throw new InvalidOperationException($"The CLI is not built beside the tests: {CliAssemblyPath}");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? "",
        };
        start.ArgumentList.Add(CliAssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Tests never inherit a developer's model endpoint or data folder.
        foreach (var name in new[] { "AGENTRAG_DATA", "OPENAI_BASE_URL", "OPENAI_API_KEY", "AGENTRAG_CHAT_MODEL", "AGENTRAG_EMBEDDING_MODEL", "AGENTRAG_TEST_HOLD_AT_STAGE", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        process.StandardInput.Close();
        return new CliProcess(process);
    }

    /// <summary>Completes with the first line of standard output or error that <paramref name="match"/> accepts.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            foreach (var line in (_stdout + "\n" + _stderr).Split('\n'))
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }

            _waiters.Add((match, seen));
        }

        _process.Exited += (_, _) => seen.TrySetException(new InvalidOperationException($"The CLI exited before the expected output.\n{Snapshot()}"));
        _process.EnableRaisingEvents = true;
        if (_process.HasExited)
        {
            seen.TrySetException(new InvalidOperationException($"The CLI exited before the expected output.\n{Snapshot()}"));
        }

        return seen.Task.WaitAsync(timeout);
    }

    /// <summary>Kills the process with SIGKILL, as a crash would.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Stops the process gracefully with SIGTERM (as an orchestrator does) and waits for it to exit.</summary>
    public async Task<CliResult> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
    }

    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"The CLI did not finish within {timeout}.\n{Snapshot()}");
        }

        _process.WaitForExit(); // drains the redirected streams
        return new CliResult(_process.ExitCode, Text(_stdout), Text(_stderr));
    }

    public string Snapshot() => new CliResult(_process.HasExited ? _process.ExitCode : -1, Text(_stdout), Text(_stderr)).ToString();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        await Task.CompletedTask;
        _process.Dispose();
    }

    private void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiters)
        {
            buffer.Append(line).Append('\n');
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Seen.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    private string Text(StringBuilder buffer)
    {
        lock (_waiters)
        {
            return buffer.ToString();
        }
    }
}
