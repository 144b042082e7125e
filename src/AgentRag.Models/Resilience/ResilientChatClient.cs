using System.Runtime.CompilerServices;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Resilience;

/// <summary>
/// Runs one profile's calls through its Polly pipeline (<see cref="ModelResiliencePipelines"/>): retries, circuit breaker
/// and per-attempt timeout. A stream is retried only until its first update arrives; a failure after that propagates
/// (the fallback decorator decides what happens next). Throws <see cref="ModelCallException"/> when retries are exhausted,
/// the attempt timed out or the circuit is open. Thread-safe.
/// </summary>
public sealed class ResilientChatClient(IChatClient innerClient, ModelProfile profile, ModelResiliencePipelines pipelines)
    : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        try
        {
            return await pipelines.For(profile).ExecuteAsync(
                async (state, token) => await state.Inner.GetResponseAsync(state.List, state.Options, token),
                (Inner: InnerClient, List: list, Options: options),
                cancellationToken);
        }
        catch (Exception ex) when (ModelResiliencePipelines.Translate(ex, profile) is ModelCallException translated && translated != ex)
        {
            throw translated;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        Attempt attempt;
        try
        {
            attempt = await pipelines.For(profile).ExecuteAsync(
                async (state, token) => await Attempt.StartAsync(state.Inner, state.List, state.Options, token, state.CallerToken),
                (Inner: InnerClient, List: list, Options: options, CallerToken: cancellationToken),
                cancellationToken);
        }
        catch (Exception ex) when (ModelResiliencePipelines.Translate(ex, profile) is ModelCallException translated && translated != ex)
        {
            throw translated;
        }

        await using (attempt)
        {
            if (!attempt.HasFirst)
            {
                yield break;
            }

            yield return attempt.Enumerator.Current;
            while (await attempt.Enumerator.MoveNextAsync())
            {
                yield return attempt.Enumerator.Current;
            }
        }
    }

    /// <summary>
    /// One attempt at opening a stream: the request is sent and the first update read while the pipeline's token (with
    /// its attempt timeout) applies. The rest of the stream runs on the caller's token only, because the pipeline
    /// recycles its token sources once the attempt returns.
    /// </summary>
    private sealed class Attempt : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancellation;

        private Attempt(IAsyncEnumerator<ChatResponseUpdate> enumerator, CancellationTokenSource cancellation, bool hasFirst)
        {
            Enumerator = enumerator;
            _cancellation = cancellation;
            HasFirst = hasFirst;
        }

        public IAsyncEnumerator<ChatResponseUpdate> Enumerator { get; }

        public bool HasFirst { get; }

        public static async ValueTask<Attempt> StartAsync(
            IChatClient inner, IList<ChatMessage> messages, ChatOptions? options, CancellationToken attemptToken, CancellationToken callerToken)
        {
            var cancellation = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
            IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
            try
            {
                using (attemptToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), cancellation))
                {
                    enumerator = inner.GetStreamingResponseAsync(messages, options, cancellation.Token).GetAsyncEnumerator(cancellation.Token);
                    var hasFirst = await enumerator.MoveNextAsync();
                    return new Attempt(enumerator, cancellation, hasFirst);
                }
            }
            catch
            {
                if (enumerator is not null)
                {
                    await enumerator.DisposeAsync();
                }

                cancellation.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Enumerator.DisposeAsync();
            _cancellation.Dispose();
        }
    }
}
