namespace AgentRag.Core;

/// <summary>Resolves the data folder: the explicit value, else env <c>AGENTRAG_DATA</c>, else <c>./data</c>.</summary>
public static class DataDirectory
{
    public const string EnvironmentVariable = "AGENTRAG_DATA";

    public static string Resolve(string? explicitPath)
    {
        var path = !string.IsNullOrWhiteSpace(explicitPath)
            ? explicitPath
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnv ? fromEnv : "data";
        return Path.GetFullPath(path);
    }
}
