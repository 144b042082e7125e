using Microsoft.Extensions.Logging;
using ModelContextProtocol;

namespace AgentRag.Mcp.Server;

/// <summary>
/// The logger factory the MCP SDK logs through. What a client got wrong (an unknown tool or resource, invalid
/// parameters: an <see cref="McpProtocolException"/> with any code but <see cref="McpErrorCode.InternalError"/>) is
/// ordinary for a server, and the client already has the error in its response: it is logged at
/// <see cref="LogLevel.Warning"/> at most, with the exception's message and no stack trace. Everything else passes
/// through unchanged. Thread-safe; disposing it leaves the wrapped factory (the container's) alone.
/// </summary>
internal sealed class ClientErrorLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new ClientErrorLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
    }

    private sealed class ClientErrorLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is McpProtocolException { ErrorCode: not McpErrorCode.InternalError } clientError)
            {
                var level = logLevel > LogLevel.Warning ? LogLevel.Warning : logLevel;
                if (inner.IsEnabled(level))
                {
                    inner.Log(level, eventId, state, null, (s, _) => $"{formatter(s, null)} {clientError.Message}");
                }

                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
