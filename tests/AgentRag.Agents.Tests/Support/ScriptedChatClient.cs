using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Tests.Support;

/// <summary>
/// An <see cref="IChatClient"/> whose replies a test scripts: each call runs <see cref="Reply"/>, which yields the text
/// pieces to stream (or throws, or waits). Calls are recorded.
/// </summary>
public sealed class ScriptedChatClient(Func<IReadOnlyList<ChatMessage>, CancellationToken, IAsyncEnumerable<string>> reply) : IChatClient
{
    private int _calls;

    public Func<IReadOnlyList<ChatMessage>, CancellationToken, IAsyncEnumerable<string>> Reply { get; set; } = reply;

    public int Calls => Volatile.Read(ref _calls);

    public static async IAsyncEnumerable<string> Text(params string[] pieces)
    {
        foreach (var piece in pieces)
        {
            await Task.Yield();
            yield return piece;
        }
    }

    public static async IAsyncEnumerable<string> Fail(string message, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        throw new HttpRequestException(message);
#pragma warning disable CS0162 // An iterator needs a yield; the throw above always ends it.
        yield break;
#pragma warning restore CS0162
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var text = new System.Text.StringBuilder();
        await foreach (var piece in Reply([.. messages], cancellationToken))
        {
            text.Append(piece);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        await foreach (var piece in Reply([.. messages], cancellationToken).WithCancellation(cancellationToken))
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
