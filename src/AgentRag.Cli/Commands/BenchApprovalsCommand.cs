using System.CommandLine;
using AgentRag.Core.Actors;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Benchmarks;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Events;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag bench approvals [--workflows N]</c>: pause/resume overhead of approvals in this process on the data folder's
/// documents: N extractive queries with <c>"approval": "before_answer"</c> paused at once, then approved one by one
/// (decision → the gated step starting, p50/p95/max; the decision call; the pause). Refused while a server owns the folder.
/// </summary>
internal static class BenchApprovalsCommand
{
    public static Command Create()
    {
        var workflows = new Option<int>("--workflows") { Description = "Workflows paused at once, then approved one by one.", DefaultValueFactory = _ => 100 };
        var command = new Command("approvals", "Approval pause/resume overhead: decision to the next step starting (p50/p95).") { workflows };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var count = parseResult.GetValue(workflows);
            if (count is < 1 or > 10_000)
            {
                throw new CliException("--workflows must be between 1 and 10000.", ExitCodes.Usage);
            }

            var actorHost = host.Get<IActorRuntime>();
            await actorHost.StartAsync(cancellationToken);
            if (!actorHost.OwnsRecovery)
            {
                throw new CliException($"A running server owns the workflows of {host.DataFolder.Root}: stop it, or benchmark another data folder.");
            }

            var options = new ApprovalBenchmarkOptions { Workflows = count, Tenant = host.TenantId };
            // Warm up (JIT, index load, first appends) so the figures are steady-state.
            await ApprovalBenchmark.RunAsync(host.Get<WorkflowService>(), host.Get<ApprovalService>(), host.Get<IEventLog>(), options with { Workflows = 5 }, cancellationToken);
            var result = await ApprovalBenchmark.RunAsync(host.Get<WorkflowService>(), host.Get<ApprovalService>(), host.Get<IEventLog>(), options, cancellationToken);
            var report = new { result, processorCount = Environment.ProcessorCount };
            JsonOutput.WriteReport(report, host.Json);

            return result.Errors == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
