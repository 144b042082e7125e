using System.Runtime.CompilerServices;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.OpenAi;

/// <summary>
/// Wraps Microsoft.Extensions.AI.OpenAI's chat client for one profile with what the model layer relies on from every
/// provider call: every failure is a <see cref="ModelCallException"/> naming the profile, the URL and the setting to check
/// (HTTP status, <c>Retry-After</c>, unreachable endpoint, malformed body or chunk, broken stream), except caller
/// cancellation; each wait (the request, then each read of a stream) is bounded by the profile's <c>Timeout</c>; an
/// answer with no text and no tool call fails as <see cref="ModelFailureKind.EmptyResponse"/>; a stream that ends without
/// a finish reason after text fails as <see cref="ModelFailureKind.StreamInterrupted"/> instead of passing for a complete
/// answer. Streamed updates that carry nothing (the role-only first chunk) are not passed on. Never retries. Thread-safe.
/// </summary>
public sealed class OpenAiCheckedChatClient : DelegatingChatClient
{
    private readonly TimeProvider _timeProvider;

    public OpenAiCheckedChatClient(IChatClient innerClient, ModelProfile profile, TimeProvider timeProvider)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Profile = profile;
        _timeProvider = timeProvider;
    }

    public ModelProfile Profile { get; }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var timeout = new ProviderWaitTimeout(Profile, _timeProvider, cancellationToken);
        ChatResponse response;
        try
        {
            timeout.Start();
            response = await base.GetResponseAsync(messages, options, timeout.Token);
        }
        catch (Exception ex) when (OpenAiErrors.Translate(ex, Profile, "the request", cancellationToken) is { } translated)
        {
            throw translated;
        }

        if (!response.Messages.SelectMany(m => m.Contents).Any(IsAnswer))
        {
            var refusal = (response.RawRepresentation as OpenAI.Chat.ChatCompletion)?.Refusal;
            throw EmptyResponse(string.IsNullOrEmpty(refusal) ? "the completion had no text and no tool call" : $"the model refused: {refusal}");
        }

        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var timeout = new ProviderWaitTimeout(Profile, _timeProvider, cancellationToken);
        var chunks = 0;
        var sawAnswer = false;
        var sawFinishReason = false;
        IAsyncEnumerator<ChatResponseUpdate> enumerator;
        try
        {
            enumerator = base.GetStreamingResponseAsync(messages, options, timeout.Token).GetAsyncEnumerator(timeout.Token);
        }
        catch (Exception ex) when (OpenAiErrors.Translate(ex, Profile, "the request", cancellationToken) is { } translated)
        {
            throw translated;
        }

        await using (enumerator)
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    timeout.Start();
                    if (!await enumerator.MoveNextAsync())
                    {
                        break;
                    }

                    update = enumerator.Current;
                }
                catch (Exception ex) when (OpenAiErrors.Translate(ex, Profile,
                    chunks == 0 ? "the request" : $"streaming chunk {chunks + 1}", cancellationToken) is { } translated)
                {
                    throw translated;
                }
                finally
                {
                    timeout.Stop();
                }

                chunks++;
                sawAnswer |= update.Contents.Any(IsAnswer);
                sawFinishReason |= update.FinishReason is not null;
                if (update.Contents.Count > 0 || update.FinishReason is not null)
                {
                    yield return update;
                }
            }
        }

        if (!sawAnswer)
        {
            throw EmptyResponse(chunks == 0 ? "the stream ended without any chunk" : $"the stream's {chunks} chunk(s) carried no text and no tool call");
        }

        if (!sawFinishReason)
        {
            // Providers end every complete answer with a finish_reason; a stream that stops without one was cut off
            // (connection dropped or server crashed), and must not pass for a complete answer.
            throw new ModelCallException(ModelFailureKind.StreamInterrupted, Profile.Name, Profile.Model, Profile.Endpoint,
                $"Model profile '{Profile.Name}' ({Profile.Model} at {Profile.Endpoint}): the stream ended after {chunks} chunk(s) without a finish reason; the answer is incomplete.");
        }
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ModelProfile) ? Profile : base.GetService(serviceType, serviceKey);

    private static bool IsAnswer(AIContent content) => content is TextContent { Text.Length: > 0 } or FunctionCallContent;

    private ModelCallException EmptyResponse(string detail) =>
        new(ModelFailureKind.EmptyResponse, Profile.Name, Profile.Model, Profile.Endpoint,
            $"Model profile '{Profile.Name}' ({Profile.Model} at {Profile.Endpoint}) returned an empty response: {detail}. Check {Profile.SettingPath}:Model.");
}
