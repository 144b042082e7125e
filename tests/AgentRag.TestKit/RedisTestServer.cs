namespace AgentRag.TestKit;

/// <summary>
/// The Redis the Orleans cluster tests use: the throwaway Redis 7 <c>./test.sh</c> starts, whose address it exports in
/// <see cref="EnvironmentVariable"/>. Tests never share keys on it: each cluster has its own cluster and service ids.
/// Without it the cluster tests fail, naming the variable.
/// </summary>
public static class RedisTestServer
{
    /// <summary>The environment variable holding the test Redis's address (<c>host:port</c>, a StackExchange.Redis configuration string).</summary>
    public const string EnvironmentVariable = "AGENTRAG_TEST_REDIS";

    /// <summary>The test Redis's configuration string, from <see cref="EnvironmentVariable"/>; throws naming it when unset.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set, so there is no Redis to run a cluster on. Run ./test.sh, which starts a throwaway " +
                $"Redis 7 and sets it, or set {EnvironmentVariable} to a Redis address (e.g. 127.0.0.1:6379) whose keys tests may write.");
}
