using System.Text.Json;
using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using AgentRag.WebConsole.State;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace AgentRag.WebConsole.Tests;

/// <summary>The inbox's state from the tenant's approval stream, and the admin-only guard of the inbox and admin pages.</summary>
public sealed class ApprovalInboxTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static string Required(string id, TimeSpan timeout) => JsonSerializer.Serialize(new
    {
        approvalId = id, workflowId = $"wf_{id}", stepId = "synthesize", agent = "synthesis", status = "pending", reasons = new[] { "before_answer" },
        action = $"Answer for {id}", rationale = "review", impact = "", risk = "low", suggestedDecision = "approve", suggestionReason = "",
        createdAt = Now, expiresAt = Now + timeout, timeoutPolicy = "reject", escalations = 0, url = $"/v1/approvals/{id}",
    });

    private static string Resolved(string id, string status, string by) => JsonSerializer.Serialize(new
    {
        approvalId = id, workflowId = $"wf_{id}", stepId = "synthesize", agent = "synthesis", status, decision = status == "approved" ? "approve" : "reject",
        decidedBy = by, decidedAt = Now, comment = "ok",
    });

    [Fact]
    public void Apply_RequiredThenResolved_MovesTheRequestToHistoryNewestFirst()
    {
        var inbox = new ApprovalInbox();
        inbox.Apply("approval.required", Required("apr_a", TimeSpan.FromHours(5)), "1");
        inbox.Apply("approval.required", Required("apr_b", TimeSpan.FromHours(1)), "2");
        inbox.Apply("approval.required", Required("apr_c", TimeSpan.FromHours(3)), "3");

        inbox.Pending.Select(r => r.ApprovalId).ShouldBe(["apr_b", "apr_c", "apr_a"]); // soonest timeout first

        inbox.Apply("approval.resolved", Resolved("apr_b", "approved", "dana"), "4");
        inbox.Apply("approval.resolved", Resolved("apr_a", "rejected", "lee"), "5");

        inbox.Pending.Select(r => r.ApprovalId).ShouldBe(["apr_c"]);
        inbox.History.Select(h => (h.Resolution.ApprovalId, h.Resolution.Status, h.Resolution.DecidedBy, h.Request?.Action))
            .ShouldBe([("apr_a", "rejected", "lee", "Answer for apr_a"), ("apr_b", "approved", "dana", "Answer for apr_b")]);
        inbox.LastEventId.ShouldBe(5);
    }

    [Fact]
    public void Apply_ReplayedOrLateEvents_DoNotReopenOrDuplicate()
    {
        var inbox = new ApprovalInbox();
        inbox.Apply("approval.required", Required("apr_a", TimeSpan.FromHours(1)), "1");
        inbox.Apply("approval.resolved", Resolved("apr_a", "approved", "dana"), "2");

        inbox.Apply("approval.required", Required("apr_a", TimeSpan.FromHours(1)), "1"); // a replay after a reconnect
        inbox.Apply("approval.escalated", Required("apr_a", TimeSpan.FromHours(2)), "3"); // late: it is decided
        inbox.Apply("approval.resolved", Resolved("apr_a", "approved", "dana"), "4");

        inbox.Pending.ShouldBeEmpty();
        inbox.History.ShouldHaveSingleItem();
        inbox.LastEventId.ShouldBe(4);
    }

    [Fact]
    public void Apply_EscalatedRequest_ReplacesItWithTheNewTimeout()
    {
        var inbox = new ApprovalInbox();
        inbox.Apply("approval.required", Required("apr_a", TimeSpan.FromHours(1)), "1");
        inbox.Apply("approval.escalated", Required("apr_a", TimeSpan.FromHours(25)), "2");

        inbox.Pending.ShouldHaveSingleItem().ExpiresAt.ShouldBe(Now + TimeSpan.FromHours(25));
    }

    [Fact]
    public void Apply_ManyDecisions_KeepsTheLatestHundred()
    {
        var inbox = new ApprovalInbox();
        for (var i = 1; i <= ApprovalInbox.MaxHistory + 5; i++)
        {
            inbox.Apply("approval.resolved", Resolved($"apr_{i}", "approved", "dana"), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        inbox.History.Count.ShouldBe(ApprovalInbox.MaxHistory);
        inbox.History[0].Resolution.ApprovalId.ShouldBe($"apr_{ApprovalInbox.MaxHistory + 5}");
    }

    [Theory]
    [InlineData("viewer", false)]
    [InlineData("member", false)]
    [InlineData("admin", true)]
    [InlineData("platform-admin", true)]
    public void AdminOnly_ByRole_ShowsThePageOrSaysNotAllowed(string role, bool allowed)
    {
        var status = new AuthStatus("required", true, "default", role, "someone (key_1)");
        RenderFragment content = builder => builder.AddMarkupContent(0, "<p class=\"secret\">admin content</p>");

        var cut = Render<CascadingValue<AuthStatus>>(p => p
            .Add(c => c.Value, status)
            .AddChildContent<AdminOnly>(a => a.Add(c => c.Title, "API keys").Add(c => c.ChildContent, content)));

        cut.FindAll(".secret").Count.ShouldBe(allowed ? 1 : 0);
        cut.FindAll(".not-allowed").Count.ShouldBe(allowed ? 0 : 1);
        if (!allowed)
        {
            cut.Find(".not-allowed").TextContent.ShouldContain($"Not allowed: this page is for administrators. Your key's role is {role}.");
        }
    }
}
