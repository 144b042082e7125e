namespace AgentRag.Models.Local.Tests;

public sealed class InferenceGateTests
{
    [Fact]
    public async Task EnterAsync_InteractiveAndBackgroundWaiting_InteractiveGoesFirst()
    {
        var gate = new InferenceGate();
        var order = new List<string>();
        var first = await gate.EnterAsync(interactive: false, CancellationToken.None);
        var background = Enter(gate, interactive: false, "background", order);
        var interactive = Enter(gate, interactive: true, "interactive", order);
        background.IsCompleted.ShouldBeFalse();
        interactive.IsCompleted.ShouldBeFalse();

        first.Dispose();
        await Task.WhenAll(background, interactive);

        order.ShouldBe(["interactive", "background"]);
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_LeavesTheQueueAndOthersStillRun()
    {
        var gate = new InferenceGate();
        var order = new List<string>();
        var first = await gate.EnterAsync(interactive: false, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(interactive: true, cancel.Token).AsTask();
        var next = Enter(gate, interactive: false, "next", order);

        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => cancelled);
        first.Dispose();
        await next;

        order.ShouldBe(["next"]);
        using var free = await gate.EnterAsync(interactive: false, CancellationToken.None); // the turn came back
    }

    private static async Task Enter(InferenceGate gate, bool interactive, string name, List<string> order)
    {
        using var turn = await gate.EnterAsync(interactive, CancellationToken.None);
        lock (order)
        {
            order.Add(name);
        }
    }
}
