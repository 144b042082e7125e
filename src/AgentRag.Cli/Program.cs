using AgentRag.Cli;

return await AgentRagCommandLine.InvokeAsync(args);
