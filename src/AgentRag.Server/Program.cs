using AgentRag.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAgentRag();

var app = builder.Build();
app.MapAgentRag();
await app.RunAsync();

/// <summary>The server's entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
