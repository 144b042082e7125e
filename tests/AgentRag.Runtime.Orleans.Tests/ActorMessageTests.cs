using AgentRag.Core.Actors;

namespace AgentRag.Runtime.Orleans.Tests;

/// <summary>How actor messages and replies cross replicas: as the product's JSON, naming only the product's own types.</summary>
public sealed class ActorMessageTests
{
    public sealed record Decide(string ApprovalId, IReadOnlyList<string> Reasons, DateTimeOffset At, bool? Urgent);

    [Fact]
    public void Unpack_PackedRecord_ReturnsAnEqualValueOfTheSameType()
    {
        var sent = new Decide("apr_1", ["cost", "side effect"], new DateTimeOffset(2026, 12, 7, 13, 0, 0, TimeSpan.Zero), Urgent: null);

        var received = ActorMessage.Pack(sent).Unpack();

        var decide = received.ShouldBeOfType<Decide>();
        decide.ApprovalId.ShouldBe("apr_1");
        decide.Reasons.ShouldBe(["cost", "side effect"]);
        decide.At.ShouldBe(sent.At);
        decide.Urgent.ShouldBeNull();
    }

    [Fact]
    public void Unpack_PackedNullAndPrimitive_RoundTrip()
    {
        ActorMessage.Pack(null).Unpack().ShouldBeNull();
        ActorMessage.Pack(true).Unpack().ShouldBe(true);
        ActorMessage.Pack("text").Unpack().ShouldBe("text");
    }

    [Fact]
    public void Unpack_TypeOutsideTheProduct_ThrowsNamingIt()
    {
        var foreign = new ActorMessage(typeof(FileInfo).AssemblyQualifiedName, "\"/etc/passwd\"");

        var failure = Should.Throw<InvalidOperationException>(foreign.Unpack);

        failure.Message.ShouldContain("System.IO.FileInfo");
        failure.Message.ShouldContain("not a message type of this product");
    }

    [Fact]
    public void Unpack_UnknownType_Throws()
    {
        Should.Throw<InvalidOperationException>(new ActorMessage("AgentRag.Nowhere.Missing, AgentRag.Nowhere", "{}").Unpack);
    }

    [Fact]
    public void Parse_KeyOfAnActorId_ReturnsTheSameId()
    {
        var id = new ActorId("workflow", "tenant-a", "wf_0123456789abcdef");

        ActorGrainKey.Of(id).ShouldBe("workflow/tenant-a/wf_0123456789abcdef");
        ActorGrainKey.Parse(ActorGrainKey.Of(id)).ShouldBe(id);
    }

    [Fact]
    public void Parse_KeyWithoutThreeParts_ThrowsNamingIt()
    {
        Should.Throw<ArgumentException>(() => ActorGrainKey.Parse("workflow/only-two")).Message.ShouldContain("'workflow/only-two'");
    }

    [Fact]
    public void Of_TenantWithASlash_Throws()
    {
        Should.Throw<ArgumentException>(() => ActorGrainKey.Of(new ActorId("workflow", "a/b", "wf_1")));
    }
}
