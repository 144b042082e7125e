using AgentRag.App.Commands;
using AgentRag.Cli;

// The CLI's commands, plus the two that need the web host's services: serve (the HTTP API) and keys (API keys).
return await AgentRagCommandLine.InvokeAsync(args, [ServeCommand.Create(), KeysCommand.Create()]);
