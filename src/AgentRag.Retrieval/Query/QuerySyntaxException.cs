namespace AgentRag.Retrieval.Query;

/// <summary>A keyword query does not follow the query syntax. <see cref="Position"/> is the 0-based offset of the problem.</summary>
public sealed class QuerySyntaxException : FormatException
{
    public QuerySyntaxException(string reason, int position)
        : base($"Invalid query at position {position}: {reason}")
    {
        Reason = reason;
        Position = position;
    }

    public QuerySyntaxException()
        : this("The query is malformed.", 0)
    {
    }

    public QuerySyntaxException(string message)
        : this(message, 0)
    {
    }

    public QuerySyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>What is wrong, without the position prefix.</summary>
    public string Reason { get; } = "";

    /// <summary>0-based character offset in the query text.</summary>
    public int Position { get; }
}
