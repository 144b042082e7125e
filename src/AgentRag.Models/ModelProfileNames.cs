namespace AgentRag.Models;

/// <summary>The well-known model profiles (<c>AgentRag:Models:Profiles:&lt;name&gt;</c>). Other names are allowed too.</summary>
public static class ModelProfileNames
{
    /// <summary>The default chat model: planning, synthesis, anything not routed elsewhere.</summary>
    public const string Primary = "primary";

    /// <summary>Answers when <see cref="Primary"/> fails; its answers carry the warning "Generated with fallback model".</summary>
    public const string Fallback = "fallback";

    /// <summary>A cheaper chat model for simple queries and for budget downgrades.</summary>
    public const string Cheap = "cheap";

    /// <summary>The embedding model used for dense retrieval.</summary>
    public const string Embedding = "embedding";

    /// <summary>A chat model used to rerank retrieved passages.</summary>
    public const string Rerank = "rerank";

    /// <summary>Every well-known name, in the order <c>models check</c> reports them.</summary>
    public static IReadOnlyList<string> All { get; } = [Primary, Fallback, Cheap, Embedding, Rerank];
}
