using System.Text.Json;
using AgentRag.Core.Approvals;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IApprovalStore"/>: requests replaced by their latest revision, audit entries appended once,
/// tenant isolation, filters and paging newest first, and the audit export's time window.
/// </summary>
public abstract class ApprovalStoreContract : BackendContract
{
    private static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private IApprovalStore Store => Get<IApprovalStore>();

    [Fact]
    public async Task SaveAsync_ThenListGetAndHistory_FilteredByTenantStatusAndWorkflowNewestFirst()
    {
        var first = Record(TenantA, "apr_1", "wf_a", 0);
        var second = Record(TenantA, "apr_2", "wf_b", 5);
        var foreign = Record(TenantB, "apr_3", "wf_c", 10);
        await Store.SaveAsync(first, [Entry(first, 1, ApprovalAuditAction.Requested, "system")]);
        await Store.SaveAsync(second, [Entry(second, 1, ApprovalAuditAction.Requested, "system")]);
        await Store.SaveAsync(foreign, [Entry(foreign, 1, ApprovalAuditAction.Requested, "system")]);
        var approved = first with { Status = ApprovalStatus.Approved, Revision = 2, Resolution = new ApprovalResolution(ApprovalDecision.Approve, "alice", Start.AddMinutes(2), "ok", null) };
        await Store.SaveAsync(approved, [Entry(approved, 2, ApprovalAuditAction.Approved, "alice", "ok")]);
        await ReopenAsync();

        var all = await Store.ListAsync(TenantA, new ApprovalQuery());
        var pending = await Store.ListAsync(TenantA, new ApprovalQuery(ApprovalStatus.Pending));
        var ofWorkflow = await Store.ListAsync(TenantA, new ApprovalQuery(WorkflowId: "wf_a"));

        all.Items.Select(r => r.Id).ShouldBe(["apr_2", "apr_1"]);
        all.Total.ShouldBe(2);
        pending.Items.Select(r => r.Id).ShouldBe(["apr_2"]);
        ofWorkflow.Items.Single().Resolution!.DecidedBy.ShouldBe("alice");
        (await Store.GetAsync(TenantA, "apr_1"))!.Status.ShouldBe(ApprovalStatus.Approved);
        (await Store.GetAsync(TenantA, "apr_3")).ShouldBeNull();
        (await Store.GetAsync(TenantB, "apr_3"))!.Context.GetProperty("query").GetString().ShouldBe("q");
        var history = await Store.GetHistoryAsync(TenantA, "apr_1");
        history.Select(h => (h.Sequence, h.Action, h.Actor, h.Comment)).ShouldBe([(1, ApprovalAuditAction.Requested, "system", (string?)null), (2, ApprovalAuditAction.Approved, "alice", "ok")]);
        (await Store.GetHistoryAsync(TenantB, "apr_1")).ShouldBeEmpty();
    }

    [Fact]
    public async Task SaveAsync_ThenGet_RoundTripsEveryField()
    {
        var record = Record(TenantA, "apr_1", "wf_a", 0) with
        {
            Reasons = ["side_effects", "cost"],
            Risk = ApprovalRisk.High,
            SuggestedDecision = ApprovalDecision.Reject,
            SuggestionReason = "It sends mail.",
            Status = ApprovalStatus.Escalated,
            TimeoutPolicy = ApprovalTimeoutPolicy.Escalate,
            Escalations = 2,
            EscalatedAt = Start.AddMinutes(61),
            ExpiringNotifiedAt = Start.AddMinutes(50),
            Revision = 4,
            Resolution = new ApprovalResolution(ApprovalDecision.Modify, "bob", Start.AddMinutes(70), "smaller batch",
                JsonSerializer.SerializeToElement(new { batch = 10 })),
        };

        await Store.SaveAsync(record, []);
        var loaded = (await Store.GetAsync(TenantA, "apr_1"))!;

        loaded.Reasons.ShouldBe(record.Reasons);
        loaded.Context.GetRawText().ShouldBe(record.Context.GetRawText());
        loaded.Inputs.GetRawText().ShouldBe(record.Inputs.GetRawText());
        loaded.Resolution!.Inputs!.Value.GetProperty("batch").GetInt32().ShouldBe(10);
        loaded.Resolution.ShouldBe(record.Resolution with { Inputs = loaded.Resolution.Inputs });
        loaded.ShouldBe(record with { Reasons = loaded.Reasons, Context = loaded.Context, Inputs = loaded.Inputs, Resolution = loaded.Resolution });
    }

    [Fact]
    public async Task SaveAsync_AuditEntryAgain_KeepsTheFirstAndExportFiltersByTime()
    {
        var record = Record(TenantA, "apr_1", "wf_a", 0);
        await Store.SaveAsync(record, [Entry(record, 1, ApprovalAuditAction.Requested, "system")]);
        await Store.SaveAsync(record, [Entry(record, 1, ApprovalAuditAction.Requested, "someone else")]);
        var decided = record with { Status = ApprovalStatus.Rejected, Revision = 2 };
        await Store.SaveAsync(decided, [Entry(decided, 2, ApprovalAuditAction.Rejected, "bob")]);

        (await Store.GetHistoryAsync(TenantA, "apr_1")).Select(h => h.Actor).ShouldBe(["system", "bob"]);
        (await Store.ExportAuditAsync(TenantA, Start.AddMinutes(2), null, 100)).Select(h => h.Actor).ShouldBe(["bob"]);
        (await Store.ExportAuditAsync(TenantA, null, Start.AddMinutes(2), 100)).Select(h => h.Actor).ShouldBe(["system"]);
        (await Store.ExportAuditAsync(TenantA, null, null, 1)).Select(h => h.Actor).ShouldBe(["system"]);
        (await Store.ExportAuditAsync(TenantB, null, null, 100)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SaveAsync_AuditEntryOfAnotherTenant_ThrowsArgumentExceptionAndSavesNothing()
    {
        var record = Record(TenantA, "apr_1", "wf_a", 0);

        await Should.ThrowAsync<ArgumentException>(() => Store.SaveAsync(record, [Entry(Record(TenantB, "apr_1", "wf_a", 0), 1, ApprovalAuditAction.Requested, "x")]));

        (await Store.GetAsync(TenantA, "apr_1")).ShouldBeNull();
        (await Store.GetHistoryAsync(TenantB, "apr_1")).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAsync_OffsetAndLimit_PageNewestFirstWithTheTotal()
    {
        for (var i = 0; i < 5; i++)
        {
            var record = Record(TenantA, $"apr_{i}", "wf_a", i);
            await Store.SaveAsync(record, [Entry(record, 1, ApprovalAuditAction.Requested, "system")]);
        }

        var page = await Store.ListAsync(TenantA, new ApprovalQuery(Offset: 1, Limit: 2));
        var last = await Store.ListAsync(TenantA, new ApprovalQuery(Offset: 4, Limit: 2));

        page.Items.Select(r => r.Id).ShouldBe(["apr_3", "apr_2"]);
        page.Total.ShouldBe(5);
        last.Items.Select(r => r.Id).ShouldBe(["apr_0"]);
        (await Store.ListAsync(TenantB, new ApprovalQuery())).Total.ShouldBe(0);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1001)]
    [InlineData(-1, 10)]
    public async Task ListAsync_OutOfRangeQuery_ThrowsArgumentOutOfRange(int offset, int limit)
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ListAsync(TenantA, new ApprovalQuery(Offset: offset, Limit: limit)));
    }

    private static ApprovalRecord Record(string tenant, string id, string workflow, int minutes) => new()
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
        Status = ApprovalStatus.Pending,
        CreatedAt = Start.AddMinutes(minutes),
        ExpiresAt = Start.AddMinutes(minutes + 60),
        Revision = 1,
    };

    private static ApprovalAuditEntry Entry(ApprovalRecord record, int sequence, ApprovalAuditAction action, string actor, string? comment = null) =>
        new(record.TenantId, record.Id, record.WorkflowId, record.StepId, sequence, record.CreatedAt.AddMinutes(sequence), actor, action, record.Status, comment, null, null);
}
