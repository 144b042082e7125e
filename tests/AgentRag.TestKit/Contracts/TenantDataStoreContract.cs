using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Actors;
using AgentRag.Core.Approvals;
using AgentRag.Core.Audit;
using AgentRag.Core.Events;
using AgentRag.Core.Security;
using AgentRag.Core.Storage;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="ITenantDataStore"/>: a tenant's export holds what it stored through every port and nothing
/// of another tenant or any secret; its erasure removes all of it from every port, leaves other tenants whole, and is
/// idempotent. The backend must register every port this suite writes through.
/// </summary>
public abstract class TenantDataStoreContract : BackendContract
{
    private ITenantDataStore Data => Get<ITenantDataStore>();

    [Fact]
    public async Task ExportAsync_TenantWithData_HoldsItsRowsAndNoneOfAnotherTenantsOrSecrets()
    {
        var ofA = await SeedAsync(TenantA);
        var ofB = await SeedAsync(TenantB);

        var export = await Data.ExportAsync(TenantA);

        var text = string.Join("\n", export.Select(t => Encoding.UTF8.GetString(t.Ndjson)));
        export.Sum(t => t.Rows).ShouldBeGreaterThanOrEqualTo(ofA.Rows);
        foreach (var table in export)
        {
            Encoding.UTF8.GetString(table.Ndjson).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(table.Rows, table.Table);
            foreach (var line in Encoding.UTF8.GetString(table.Ndjson).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                JsonDocument.Parse(line).RootElement.ValueKind.ShouldBe(JsonValueKind.Object);
            }
        }

        foreach (var marker in ofA.Markers)
        {
            text.ShouldContain(marker);
        }

        foreach (var marker in ofB.Markers)
        {
            text.ShouldNotContain(marker);
        }

        text.ShouldNotContain(Convert.ToBase64String(ofA.KeyHash));
        text.ShouldNotContain(Convert.ToHexString(ofA.KeyHash), Case.Insensitive);
    }

    [Fact]
    public async Task EraseAsync_RemovesTheTenantFromEveryPortAndKeepsTheOthers()
    {
        var ofA = await SeedAsync(TenantA);
        var ofB = await SeedAsync(TenantB);

        var deleted = await Data.EraseAsync(TenantA);
        await ReopenAsync();

        deleted.Values.Sum().ShouldBeGreaterThanOrEqualTo(ofA.Rows);
        await ShouldBeGoneAsync(ofA);
        await ShouldBeWholeAsync(ofB);
        (await Data.ExportAsync(TenantA)).Sum(t => t.Rows).ShouldBe(0);
    }

    [Fact]
    public async Task EraseAsync_Twice_DeletesNothingTheSecondTime()
    {
        await SeedAsync(TenantA);

        await Data.EraseAsync(TenantA);
        var again = await Data.EraseAsync(TenantA);

        again.Values.ShouldAllBe(count => count == 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("..")]
    public async Task ExportAndErase_InvalidTenantId_ThrowArgumentException(string tenantId)
    {
        await Should.ThrowAsync<ArgumentException>(() => Data.ExportAsync(tenantId));
        await Should.ThrowAsync<ArgumentException>(() => Data.EraseAsync(tenantId));
    }

    /// <summary>What one tenant stored: ids to look for, the least number of rows it takes, and its API key's hash.</summary>
    private sealed record Seeded(string TenantId, string DocumentId, string ApprovalId, string KeyId, byte[] KeyHash, ActorId Actor, int Rows)
    {
        public IEnumerable<string> Markers => [DocumentId, ApprovalId, KeyId, $"stream-of-{TenantId}", $"state-of-{TenantId}"];
    }

    private async Task<Seeded> SeedAsync(string tenantId)
    {
        var (document, pages, chunks) = await ReadmeAsync(tenantId);
        var documents = Get<IDocumentStore>();
        await documents.InsertAsync(document);
        await documents.SaveContentAsync(tenantId, document.Id, pages, chunks);

        await Get<IEventLog>().AppendAsync(tenantId, $"stream-of-{tenantId}", "progress", "{}");

        var approvalId = $"apr_{tenantId}";
        var approval = new ApprovalRecord
        {
            Id = approvalId, TenantId = tenantId, WorkflowId = "wf_1", StepId = "s1", Agent = "synthesis", Reasons = ["cost"],
            Action = "a", Rationale = "r", Impact = "i", Context = JsonSerializer.SerializeToElement(new { }),
            Inputs = JsonSerializer.SerializeToElement(new { }), CreatedAt = Epoch, ExpiresAt = Epoch.AddHours(1), Revision = 1,
        };
        await Get<IApprovalStore>().SaveAsync(approval, [new ApprovalAuditEntry(tenantId, approvalId, "wf_1", "s1", 1, Epoch, "system",
            ApprovalAuditAction.Requested, ApprovalStatus.Pending, null, null, null)]);

        var keyId = $"key_{tenantId}";
        var hash = RandomNumberGenerator.GetBytes(32);
        await Get<IApiKeyStore>().CreateAsync(new ApiKey(keyId, tenantId, "ci", TenantRole.Member, false, "ark_ci", Epoch, null, null, null), hash);

        await Get<IAuditLog>().AppendAsync(new AuditEntry(0, Epoch, tenantId, "alice", "admin", "key.create", keyId, AuditOutcomes.Success, 201, null, null));

        var actor = new ActorId("workflow", tenantId, "wf_1");
        await Get<IActorStateStore>().WriteStateAsync(actor, "state", $$"""{"marker":"state-of-{{tenantId}}"}""");

        // document + pages + chunks, one event, approval + its audit entry, key, audit entry, actor state
        var rows = 1 + pages.Count + chunks.Count + 1 + 2 + 1 + 1 + 1;
        return new Seeded(tenantId, document.Id, approvalId, keyId, hash, actor, rows);
    }

    private async Task ShouldBeGoneAsync(Seeded seeded)
    {
        var documents = Get<IDocumentStore>();
        (await documents.GetAsync(seeded.TenantId, seeded.DocumentId)).ShouldBeNull();
        (await documents.GetChunksAsync(seeded.TenantId, seeded.DocumentId)).ShouldBeEmpty();
        (await documents.GetPageAsync(seeded.TenantId, seeded.DocumentId, 1)).ShouldBeNull();
        (await Get<IEventLog>().ReadAsync(seeded.TenantId, $"stream-of-{seeded.TenantId}", 0)).ShouldBeEmpty();
        (await Get<IApprovalStore>().GetAsync(seeded.TenantId, seeded.ApprovalId)).ShouldBeNull();
        (await Get<IApprovalStore>().GetHistoryAsync(seeded.TenantId, seeded.ApprovalId)).ShouldBeEmpty();
        (await Get<IApiKeyStore>().GetAsync(seeded.KeyId)).ShouldBeNull();
        (await Get<IAuditLog>().QueryAsync(new AuditQuery(seeded.TenantId))).ShouldBeEmpty();
        (await Get<IActorStateStore>().ReadStateAsync(seeded.Actor, "state")).ShouldBeNull();
    }

    private async Task ShouldBeWholeAsync(Seeded seeded)
    {
        var documents = Get<IDocumentStore>();
        (await documents.GetAsync(seeded.TenantId, seeded.DocumentId)).ShouldNotBeNull();
        (await documents.GetChunksAsync(seeded.TenantId, seeded.DocumentId)).ShouldNotBeEmpty();
        (await Get<IEventLog>().ReadAsync(seeded.TenantId, $"stream-of-{seeded.TenantId}", 0)).Count.ShouldBe(1);
        (await Get<IApprovalStore>().GetHistoryAsync(seeded.TenantId, seeded.ApprovalId)).Count.ShouldBe(1);
        (await Get<IApiKeyStore>().GetAsync(seeded.KeyId)).ShouldNotBeNull();
        (await Get<IAuditLog>().QueryAsync(new AuditQuery(seeded.TenantId))).Count.ShouldBe(1);
        (await Get<IActorStateStore>().ReadStateAsync(seeded.Actor, "state")).ShouldNotBeNull();
    }
}
