namespace AgentRag.Mcp.Tools;

/// <summary>Why a tool call failed, as far as the caller needs to know.</summary>
public enum ToolErrorKind
{
    /// <summary>The arguments are missing, malformed or out of range; the caller can fix them and retry.</summary>
    InvalidArguments,

    /// <summary>The document, chunk or tool named does not exist for this tenant.</summary>
    NotFound,

    /// <summary>The capability is not configured or its server is down; retrying later may succeed.</summary>
    Unavailable,

    /// <summary>The call did not finish within its timeout and was cancelled.</summary>
    Timeout,

    /// <summary>The tool ran and reported a failure of its own.</summary>
    Failed,
}

/// <summary>
/// A tool failure whose <see cref="Exception.Message"/> is safe to show any caller (an MCP client, a model, a log):
/// it says what was wrong and how to fix it, and never carries stack traces, paths of the host or secrets.
/// Any other exception escaping a tool is an internal error and is reported generically.
/// </summary>
public sealed class ToolException(string message, ToolErrorKind kind = ToolErrorKind.InvalidArguments, Exception? innerException = null)
    : Exception(message, innerException)
{
    public ToolErrorKind Kind { get; } = kind;
}
