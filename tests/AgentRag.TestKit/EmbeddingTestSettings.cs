namespace AgentRag.TestKit;

/// <summary>
/// Which embedding provider test hosts get. The product's default is the in-process model, which takes seconds and
/// hundreds of MB to load; tests that do not test semantics run without it. Processes started by <c>dotnet test</c>
/// (and the CLI processes they start) get <see cref="ProviderVariable"/>=none from <c>tests/test.runsettings</c>; hosts
/// configured in memory apply <see cref="Apply"/>. A test of semantics sets <see cref="ProviderKey"/> to <c>local</c>.
/// </summary>
public static class EmbeddingTestSettings
{
    public const string ProviderKey = "AgentRag:Embeddings:Provider";

    /// <summary>The same setting as an environment variable (CLI processes, WebApplicationFactory hosts).</summary>
    public const string ProviderVariable = "AgentRag__Embeddings__Provider";

    /// <summary>
    /// <paramref name="settings"/> with the provider made explicit: kept when the test chose one, <c>openai</c> when it
    /// configures a remote embedding model (the loopback server), else <c>none</c>.
    /// </summary>
    public static Dictionary<string, string?> Apply(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var all = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
        if (!all.ContainsKey(ProviderKey))
        {
            var remote = all.ContainsKey("AGENTRAG_EMBEDDING_MODEL") || all.ContainsKey("AgentRag:Models:Profiles:embedding:Model");
            all[ProviderKey] = remote ? "openai" : "none";
        }

        return all;
    }
}
