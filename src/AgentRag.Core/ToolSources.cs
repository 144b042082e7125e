namespace AgentRag.Core;

/// <summary>Where the tools agents call come from.</summary>
public static class ToolSources
{
    /// <summary>The platform's own tools (search, documents, calculator); any other source is an external MCP server's name.</summary>
    public const string BuiltIn = "agentrag";

    /// <summary>Joins an external server's name and its tool's name into the catalog name (<c>server__tool</c>).</summary>
    public const string ExternalNameSeparator = "__";
}
