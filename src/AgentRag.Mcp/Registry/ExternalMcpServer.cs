using System.Globalization;
using AgentRag.Mcp.Server;
using AgentRag.Mcp.Tools;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentRag.Mcp.Registry;

/// <summary>Where an external server is in its life.</summary>
public enum ExternalServerState
{
    /// <summary>Connecting for the first time or after a failure.</summary>
    Connecting,

    /// <summary>Connected; its allowed tools are in the catalog.</summary>
    Up,

    /// <summary>Failed; a reconnection is scheduled with backoff. Its tools are out of the catalog.</summary>
    Down,

    /// <summary>The registry was disposed.</summary>
    Stopped,
}

/// <summary>An external server's state for diagnostics (e.g. the readiness check or <c>agentrag mcp status</c>).</summary>
public sealed record ExternalServerStatus(
    string Name, string Transport, ExternalServerState State, IReadOnlyList<string> Tools, int Restarts, string? LastError, DateTimeOffset Since);

/// <summary>
/// Supervises one external MCP server: connects (spawning the process for stdio), lists its tools and keeps the
/// allow-listed ones, then watches the connection (process exit, failed pings, failed calls). On failure its tools are
/// withdrawn and it reconnects after a backoff that doubles from <see cref="ExternalToolsOptions.RestartDelay"/> up to
/// <see cref="ExternalToolsOptions.MaxRestartDelay"/>; all delays and timeouts run on the injected
/// <see cref="TimeProvider"/>. Thread-safe.
/// </summary>
public sealed partial class ExternalMcpServer : IAsyncDisposable
{
    private readonly ExternalServerOptions _options;
    private readonly ExternalToolsOptions _registryOptions;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Action _onToolsChanged;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private Task? _supervisor;
    private Connection? _connection;
    private IReadOnlyList<ExternalTool> _tools = [];
    private ExternalServerState _state = ExternalServerState.Connecting;
    private string? _lastError;
    private int _restarts;
    private int _disposed;
    private DateTimeOffset _since;

    internal ExternalMcpServer(
        string name, ExternalServerOptions options, ExternalToolsOptions registryOptions, TimeProvider time, ILoggerFactory loggerFactory, Action onToolsChanged)
    {
        Name = name;
        _options = options;
        _registryOptions = registryOptions;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ExternalMcpServer>();
        _onToolsChanged = onToolsChanged;
        _since = time.GetUtcNow();
    }

    public string Name { get; }

    /// <summary>The allowed tools while the server is up; empty otherwise.</summary>
    public IReadOnlyList<ExternalTool> Tools
    {
        get
        {
            lock (_gate)
            {
                return _tools;
            }
        }
    }

    public ExternalServerStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new ExternalServerStatus(
                    Name, _options.Url is null ? "stdio" : "http", _state, [.. _tools.Select(t => t.Name)], _restarts, _lastError, _since);
            }
        }
    }

    /// <summary>Starts supervising in the background; idempotent.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _supervisor ??= Task.Run(() => SuperviseAsync(_stop.Token));
        }
    }

    internal async Task<CallToolResult> CallToolAsync(ExternalTool tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        Connection? connection;
        string? lastError;
        lock (_gate)
        {
            connection = _state == ExternalServerState.Up ? _connection : null;
            lastError = _lastError;
        }

        if (connection is null)
        {
            throw new ToolException(
                $"The MCP server '{Name}' is down{(lastError is null ? "" : $" ({lastError})")}; '{tool.Name}' is available again once it reconnects.",
                ToolErrorKind.Unavailable);
        }

        using var timeout = new CancellationTokenSource(tool.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await connection.Client.CallToolAsync(tool.ServerToolName, arguments, cancellationToken: linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogToolTimedOut(tool.Name, tool.Timeout);
            throw new ToolException(
                $"The tool '{tool.Name}' did not answer within {FormatDuration(tool.Timeout)} and was cancelled "
                + $"(timeout: {ExternalToolsOptions.SectionName}:Servers:{Name}:Tools:{tool.ServerToolName}:Timeout).",
                ToolErrorKind.Timeout);
        }
        catch (McpProtocolException ex)
        {
            throw new ToolException($"The MCP server '{Name}' refused the call to '{tool.ServerToolName}': {ex.Message}", ToolErrorKind.Failed, ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or McpException or ObjectDisposedException or InvalidOperationException)
        {
            connection.ReportFailure($"a call failed: {ex.Message}");
            throw new ToolException(
                $"The MCP server '{Name}' could not be reached for '{tool.Name}'; it is reconnecting.", ToolErrorKind.Unavailable, ex);
        }
    }

    /// <summary>Stops supervising and closes the connection (ending a stdio server's process). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        Task? supervisor;
        lock (_gate)
        {
            supervisor = _supervisor;
        }

        if (supervisor is not null)
        {
            await supervisor;
        }

        _stop.Dispose();
    }

    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            Connection? connection = null;
            try
            {
                SetState(ExternalServerState.Connecting, null, null, null);
                connection = await ConnectAsync(stopping);
                var tools = await ListAllowedToolsAsync(connection.Client, stopping);
                failures = 0;
                SetState(ExternalServerState.Up, connection, tools, null);
                LogUp(Name, tools.Count);
                var reason = await connection.WaitForFailureAsync(_registryOptions.HealthCheckInterval, _registryOptions.ConnectTimeout, _time, stopping);
                SetState(ExternalServerState.Down, null, [], reason);
                LogDown(Name, reason);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                SetState(ExternalServerState.Down, null, [], Describe(ex));
                LogConnectFailed(Name, Describe(ex));
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }

            var delay = Backoff(failures++);
            try
            {
                await Task.Delay(delay, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            lock (_gate)
            {
                _restarts++;
            }
        }

        SetState(ExternalServerState.Stopped, null, [], null);
    }

    private TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(_registryOptions.RestartDelay.Ticks * factor, _registryOptions.MaxRestartDelay.Ticks));
        return delay;
    }

    private async Task<Connection> ConnectAsync(CancellationToken stopping)
    {
        IClientTransport transport = _options.Url is { } url
            ? new HttpClientTransport(
                new HttpClientTransportOptions
                {
                    Name = Name,
                    Endpoint = new Uri(url),
                    TransportMode = HttpTransportMode.StreamableHttp,
                    AdditionalHeaders = new Dictionary<string, string>(_options.Headers, StringComparer.OrdinalIgnoreCase),
                    ConnectionTimeout = _registryOptions.ConnectTimeout,
                },
                _loggerFactory)
            : new StdioClientTransport(
                new StdioClientTransportOptions
                {
                    Name = Name,
                    Command = _options.Command!,
                    Arguments = [.. _options.Args],
                    WorkingDirectory = _options.WorkingDirectory,
                    EnvironmentVariables = _options.Env.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal),
                    StandardErrorLines = line => LogServerStderr(Name, line),
                },
                _loggerFactory);

        using var timeout = new CancellationTokenSource(_registryOptions.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        try
        {
            var client = await McpClient.CreateAsync(
                transport,
                new McpClientOptions { ClientInfo = AgentRagMcpServerFactory.Implementation },
                _loggerFactory,
                linked.Token);
            return new Connection(client);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            throw new TimeoutException($"connecting took longer than {FormatDuration(_registryOptions.ConnectTimeout)} ({ExternalToolsOptions.SectionName}:ConnectTimeout)");
        }
    }

    private async Task<IReadOnlyList<ExternalTool>> ListAllowedToolsAsync(McpClient client, CancellationToken stopping)
    {
        var listed = await client.ListToolsAsync(cancellationToken: stopping);
        var allowed = new List<ExternalTool>();
        foreach (var (toolName, toolOptions) in _options.Tools)
        {
            var tool = listed.FirstOrDefault(t => string.Equals(t.Name, toolName, StringComparison.Ordinal));
            if (tool is null)
            {
                LogAllowedToolMissing(Name, toolName);
                continue;
            }

            var options = toolOptions ?? new ExternalToolOptions();
            allowed.Add(new ExternalTool(this, tool.ProtocolTool, options, options.Timeout ?? _options.ToolTimeout ?? _registryOptions.ToolTimeout));
        }

        return allowed;
    }

    private void SetState(ExternalServerState state, Connection? connection, IReadOnlyList<ExternalTool>? tools, string? error)
    {
        bool toolsChanged;
        lock (_gate)
        {
            var previous = _tools;
            _state = state;
            _connection = connection;
            if (tools is not null)
            {
                _tools = tools;
            }

            if (error is not null)
            {
                _lastError = error;
            }

            _since = _time.GetUtcNow();
            toolsChanged = !ReferenceEquals(previous, _tools) && (previous.Count > 0 || _tools.Count > 0);
        }

        if (toolsChanged)
        {
            _onToolsChanged();
        }
    }

    private static string Describe(Exception exception) => exception switch
    {
        TimeoutException timeout => timeout.Message,
        ClientTransportClosedException { Details: StdioClientCompletionDetails { ExitCode: { } code } } => $"the process exited with code {code}",
        _ => exception.Message,
    };

    private static string FormatDuration(TimeSpan duration) =>
        duration.TotalSeconds >= 1 ? $"{duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s" : $"{duration.TotalMilliseconds:0} ms";

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server} is up with {ToolCount} allowed tools")]
    private partial void LogUp(string server, int toolCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server} went down: {Reason}; reconnecting with backoff")]
    private partial void LogDown(string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server} could not be connected: {Reason}; retrying with backoff")]
    private partial void LogConnectFailed(string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server} does not offer the allowed tool {Tool}")]
    private partial void LogAllowedToolMissing(string server, string tool);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP tool {Tool} timed out after {Timeout}")]
    private partial void LogToolTimedOut(string tool, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP server {Server} stderr: {Line}")]
    private partial void LogServerStderr(string server, string line);

    /// <summary>One live client session and the signals that end it.</summary>
    private sealed class Connection(McpClient client) : IAsyncDisposable
    {
        private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public McpClient Client => client;

        public void ReportFailure(string reason) => _failed.TrySetResult(reason);

        /// <summary>Completes with the reason the session ended: the transport closed, a ping failed, or a call reported a failure.</summary>
        public async Task<string> WaitForFailureAsync(TimeSpan pingInterval, TimeSpan pingTimeout, TimeProvider time, CancellationToken stopping)
        {
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var closed = ClosedAsync();
            var pinging = PingUntilFailureAsync(pingInterval, pingTimeout, time, watching.Token);
            var first = await Task.WhenAny(_failed.Task, closed, pinging);
            await watching.CancelAsync();
            stopping.ThrowIfCancellationRequested();
            return await first;
        }

        public ValueTask DisposeAsync() => client.DisposeAsync();

        private async Task<string> ClosedAsync()
        {
            var details = await client.Completion;
            return details switch
            {
                StdioClientCompletionDetails { ExitCode: { } code } => $"the process exited with code {code}",
                HttpClientCompletionDetails { HttpStatusCode: { } status } => $"the connection closed with HTTP {(int)status}",
                { Exception: { } exception } => $"the connection closed: {exception.Message}",
                _ => "the connection closed",
            };
        }

        private async Task<string> PingUntilFailureAsync(TimeSpan interval, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            while (true)
            {
                try
                {
                    await Task.Delay(interval, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Watching ended for another reason; this result is never read.
                    return "";
                }

                using var pingTimeout = new CancellationTokenSource(timeout, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, pingTimeout.Token);
                try
                {
                    await client.PingAsync(cancellationToken: linked.Token);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return "";
                }
                catch (Exception ex)
                {
                    return pingTimeout.IsCancellationRequested ? "a ping timed out" : $"a ping failed: {ex.Message}";
                }
            }
        }
    }
}
