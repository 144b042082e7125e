using System.CommandLine;
using AgentRag.Cli.Commands;

namespace AgentRag.Cli;

/// <summary>The <c>agentrag</c> command tree.</summary>
public static class AgentRagCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("AgentRag: upload documents, ask questions, get cited answers.");
        foreach (var option in CommonOptions.All)
        {
            root.Add(option);
        }

        root.Add(ServeCommand.Create());
        root.Add(IngestCommand.Create());
        root.Add(DocsCommand.Create());
        root.Add(BenchCommand.Create());
        root.SetAction(parseResult =>
        {
            // No command: show the help rather than doing anything.
            parseResult.Configuration.RootCommand.Parse("--help").Invoke();
            return 0;
        });
        return root;
    }

    public static Task<int> InvokeAsync(string[] args) => Build().Parse(args).InvokeAsync();
}
