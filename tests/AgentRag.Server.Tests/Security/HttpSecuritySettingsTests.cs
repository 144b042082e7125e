namespace AgentRag.Server.Tests.Security;

/// <summary>A bad browser, host or proxy setting stops the server at start with a message naming the setting.</summary>
public sealed class HttpSecuritySettingsTests
{
    [Theory]
    [InlineData("AgentRag:Server:KnownProxies:0", "proxy.internal", "AgentRag:Server:KnownProxies")]
    [InlineData("AgentRag:Server:KnownNetworks:0", "10.0.0.0/33", "AgentRag:Server:KnownNetworks")]
    [InlineData("AgentRag:Server:KnownNetworks:0", "10.0.0.1", "AgentRag:Server:KnownNetworks")]
    [InlineData("AgentRag:Server:ForwardLimit", "0", "ForwardLimit")]
    [InlineData("AgentRag:Server:Cors:AllowedOrigins:0", "*", "AgentRag:Server:Cors:AllowedOrigins")]
    [InlineData("AgentRag:Server:Cors:AllowedOrigins:0", "https://console.example.com/app", "AgentRag:Server:Cors:AllowedOrigins")]
    [InlineData("AgentRag:Server:Cors:AllowedOrigins:0", "console.example.com", "AgentRag:Server:Cors:AllowedOrigins")]
    [InlineData("AgentRag:Server:Cors:AllowedOrigins:0", "null", "AgentRag:Server:Cors:AllowedOrigins")]
    [InlineData("AgentRag:Server:AllowedHosts:0", "https://rag.example.com", "AgentRag:Server:AllowedHosts")]
    [InlineData("AgentRag:Server:AllowedHosts:0", "rag.example.com/v1", "AgentRag:Server:AllowedHosts")]
    [InlineData("AllowedHosts", "*", "AgentRag:Server:AllowedHosts")]
    [InlineData("FORWARDEDHEADERS_ENABLED", "true", "AgentRag:Server:KnownProxies")]
    public void Start_BadSetting_FailsNamingTheSetting(string key, string value, string named)
    {
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?> { [key] = value });

        var failure = Should.Throw<Exception>(() => factory.CreateClient());

        failure.Message.ShouldContain(named);
    }
}
