using AgentRag.Agents.Benchmarks;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.TestKit;

namespace AgentRag.Agents.Tests.Approvals;

public sealed class ApprovalBenchmarkTests : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-approval-bench");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task RunAsync_PausedWorkflows_AllResumedWithMeasuredLatencies()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, TimeProvider.System);

        var result = await ApprovalBenchmark.RunAsync(host.Workflows, host.Approvals, host.EventLog,
            new ApprovalBenchmarkOptions { Workflows = 6, Questions = ["Where do device lock files go?"] });

        (result.Workflows, result.Errors).ShouldBe((6, 0), string.Join("; ", result.ErrorSamples));
        result.ResumeP50Ms.ShouldBeGreaterThan(0);
        result.ResumeMaxMs.ShouldBeGreaterThanOrEqualTo(result.ResumeP95Ms);
        result.DecisionP95Ms.ShouldBeGreaterThan(0);
        (await host.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery(ApprovalStatus.Approved))).Total.ShouldBe(6);
        var states = await host.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery());
        foreach (var workflowId in states.Items.Select(r => r.WorkflowId))
        {
            (await host.WaitForEndAsync(workflowId)).Last().Type.ShouldBe(WorkflowEvents.Done);
        }
    }
}
