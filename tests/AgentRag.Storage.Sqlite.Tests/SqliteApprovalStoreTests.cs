using System.Text.Json;
using AgentRag.Core.Approvals;
using AgentRag.Storage.Sqlite.Approvals;
using AgentRag.TestKit;

namespace AgentRag.Storage.Sqlite.Tests;

public sealed class SqliteApprovalStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _data = new("agentrag-approval-store");
    private SqliteDatabase _database = null!;
    private SqliteApprovalStore _store = null!;

    public Task InitializeAsync()
    {
        _database = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _data.Path });
        _store = new SqliteApprovalStore(_database);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _data.Dispose();
    }

    private static ApprovalRecord Record(string tenant, string id, string workflow, int minutes, ApprovalStatus status = ApprovalStatus.Pending) => new()
    {
        Id = id,
        TenantId = tenant,
        WorkflowId = workflow,
        StepId = "synthesize",
        Agent = "synthesis",
        Reasons = ["before_answer"],
        Action = "Write the answer.",
        Rationale = "Asked for.",
        Impact = "Approving runs it.",
        Context = JsonSerializer.SerializeToElement(new { query = "q" }),
        Inputs = JsonSerializer.SerializeToElement(new { query = "q" }),
        Status = status,
        CreatedAt = Start.AddMinutes(minutes),
        ExpiresAt = Start.AddMinutes(minutes + 60),
        Revision = 1,
    };

    private static ApprovalAuditEntry Entry(ApprovalRecord record, int sequence, ApprovalAuditAction action, string actor, string? comment = null) =>
        new(record.TenantId, record.Id, record.WorkflowId, record.StepId, sequence, record.CreatedAt.AddMinutes(sequence), actor, action, record.Status, comment, null, null);

    [Fact]
    public async Task SaveAsync_ThenListGetAndHistory_FilteredByTenantStatusAndWorkflowNewestFirst()
    {
        var first = Record("default", "apr_1", "wf_a", 0);
        var second = Record("default", "apr_2", "wf_b", 5);
        var foreign = Record("acme", "apr_3", "wf_c", 10);
        await _store.SaveAsync(first, [Entry(first, 1, ApprovalAuditAction.Requested, "system")]);
        await _store.SaveAsync(second, [Entry(second, 1, ApprovalAuditAction.Requested, "system")]);
        await _store.SaveAsync(foreign, [Entry(foreign, 1, ApprovalAuditAction.Requested, "system")]);
        var approved = first with { Status = ApprovalStatus.Approved, Revision = 2, Resolution = new ApprovalResolution(ApprovalDecision.Approve, "alice", Start.AddMinutes(2), "ok", null) };
        await _store.SaveAsync(approved, [Entry(approved, 2, ApprovalAuditAction.Approved, "alice", "ok")]);

        var all = await _store.ListAsync("default", new ApprovalQuery());
        var pending = await _store.ListAsync("default", new ApprovalQuery(ApprovalStatus.Pending));
        var ofWorkflow = await _store.ListAsync("default", new ApprovalQuery(WorkflowId: "wf_a"));

        all.Items.Select(r => r.Id).ShouldBe(["apr_2", "apr_1"]);
        all.Total.ShouldBe(2);
        pending.Items.Select(r => r.Id).ShouldBe(["apr_2"]);
        ofWorkflow.Items.Single().Resolution!.DecidedBy.ShouldBe("alice");
        (await _store.GetAsync("default", "apr_1"))!.Status.ShouldBe(ApprovalStatus.Approved);
        (await _store.GetAsync("default", "apr_3")).ShouldBeNull();
        (await _store.GetAsync("acme", "apr_3"))!.Context.GetProperty("query").GetString().ShouldBe("q");
        var history = await _store.GetHistoryAsync("default", "apr_1");
        history.Select(h => (h.Sequence, h.Action, h.Actor, h.Comment)).ShouldBe([(1, ApprovalAuditAction.Requested, "system", (string?)null), (2, ApprovalAuditAction.Approved, "alice", "ok")]);
        (await _store.GetHistoryAsync("acme", "apr_1")).ShouldBeEmpty();
    }

    [Fact]
    public async Task SaveAsync_AuditEntryAgain_KeepsTheFirstAndExportFiltersByTime()
    {
        var record = Record("default", "apr_1", "wf_a", 0);
        await _store.SaveAsync(record, [Entry(record, 1, ApprovalAuditAction.Requested, "system")]);
        await _store.SaveAsync(record, [Entry(record, 1, ApprovalAuditAction.Requested, "someone else")]);
        var decided = record with { Status = ApprovalStatus.Rejected, Revision = 2 };
        await _store.SaveAsync(decided, [Entry(decided, 2, ApprovalAuditAction.Rejected, "bob")]);

        (await _store.GetHistoryAsync("default", "apr_1")).Select(h => h.Actor).ShouldBe(["system", "bob"]);
        (await _store.ExportAuditAsync("default", Start.AddMinutes(2), null, 100)).Select(h => h.Actor).ShouldBe(["bob"]);
        (await _store.ExportAuditAsync("default", null, Start.AddMinutes(2), 100)).Select(h => h.Actor).ShouldBe(["system"]);
        await Should.ThrowAsync<ArgumentException>(() => _store.SaveAsync(record, [Entry(Record("acme", "apr_1", "wf_a", 0), 3, ApprovalAuditAction.Approved, "x")]));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => _store.ListAsync("default", new ApprovalQuery(Limit: 0)));
    }
}
