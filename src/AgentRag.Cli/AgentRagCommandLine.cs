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
        root.SetAction(_ =>
        {
            // No command: show the help rather than doing anything.
            return root.Parse("--help").Invoke();
        });
        return root;
    }

    public static Task<int> InvokeAsync(string[] args) => Build().Parse(args).InvokeAsync();
}
