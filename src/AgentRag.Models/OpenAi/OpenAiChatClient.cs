using System.Runtime.CompilerServices;
using System.Text;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;

namespace AgentRag.Models.OpenAi;

/// <summary>
/// <see cref="IChatClient"/> for one profile over the OpenAI .NET SDK, for any OpenAI-compatible endpoint. Supports
/// streaming (usage arrives in the final chunk: the SDK sends <c>stream_options.include_usage</c> on every streaming
/// request), function calling (<see cref="AIFunctionDeclaration"/> tools in, <see cref="FunctionCallContent"/> out) and
/// usage with cached tokens. It never retries. Every failure is a <see cref="ModelCallException"/> naming the profile,
/// the URL and the setting to check, except caller cancellation. Thread-safe.
/// </summary>
public sealed class OpenAiChatClient : IChatClient
{
    private readonly ChatClient _client;
    private readonly ChatClientMetadata _metadata;

    public OpenAiChatClient(ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Profile = profile;
        _client = OpenAiClientFactory.CreateChatClient(profile);
        _metadata = new ChatClientMetadata("openai", profile.Endpoint, profile.Model);
    }

    public ModelProfile Profile { get; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = OpenAiChatMapper.ToOpenAiMessages(messages, options);
        var requestOptions = OpenAiChatMapper.ToOpenAiOptions(options);
        ChatCompletion completion;
        try
        {
            completion = (await _client.CompleteChatAsync(request, requestOptions, cancellationToken)).Value;
        }
        catch (Exception ex) when (OpenAiErrors.Translate(ex, Profile, "the request", cancellationToken) is { } translated)
        {
            throw translated;
        }

        try
        {
            return ToResponse(completion);
        }
        catch (Exception ex) when (ex is not ModelCallException && OpenAiErrors.Translate(ex, Profile, "the response", cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = OpenAiChatMapper.ToOpenAiMessages(messages, options);
        var requestOptions = OpenAiChatMapper.ToOpenAiOptions(options);
        var toolCalls = new SortedDictionary<int, ToolCallBuilder>();
        var sawContent = false;
        var chunks = 0;
        string? responseId = null;
        string? modelId = null;
        DateTimeOffset? createdAt = null;
        Microsoft.Extensions.AI.ChatFinishReason? finishReason = null;

        IAsyncEnumerator<StreamingChatCompletionUpdate> enumerator;
        try
        {
            enumerator = _client.CompleteChatStreamingAsync(request, requestOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (OpenAiErrors.Translate(ex, Profile, "the request", cancellationToken) is { } translated)
        {
            throw translated;
        }

        await using (enumerator)
        {
            while (true)
            {
                StreamingChatCompletionUpdate update;
                try
                {
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

                chunks++;
                responseId ??= update.CompletionId;
                modelId ??= update.Model;
                createdAt ??= update.CreatedAt;
                var result = new ChatResponseUpdate
                {
                    ResponseId = update.CompletionId,
                    MessageId = update.CompletionId,
                    ModelId = update.Model,
                    CreatedAt = update.CreatedAt,
                    Role = AiChatRole.Assistant,
                    RawRepresentation = update,
                };

                foreach (var part in update.ContentUpdate)
                {
                    if (!string.IsNullOrEmpty(part.Text))
                    {
                        result.Contents.Add(new TextContent(part.Text));
                        sawContent = true;
                    }
                }

                foreach (var call in update.ToolCallUpdates)
                {
                    if (!toolCalls.TryGetValue(call.Index, out var builder))
                    {
                        toolCalls[call.Index] = builder = new ToolCallBuilder();
                    }

                    builder.Id ??= call.ToolCallId;
                    builder.Name ??= call.FunctionName;
                    if (call.FunctionArgumentsUpdate is { } arguments && !arguments.IsEmpty)
                    {
                        builder.Arguments.Append(arguments.ToString());
                    }
                }

                if (OpenAiChatMapper.ToFinishReason(update.FinishReason) is { } finish)
                {
                    finishReason = finish;
                    result.FinishReason = finish;
                }

                if (OpenAiChatMapper.ToUsage(update.Usage) is { } usage)
                {
                    result.Contents.Add(new UsageContent(usage));
                }

                if (result.Contents.Count > 0 || result.FinishReason is not null)
                {
                    yield return result;
                }
            }
        }

        if (finishReason is null && (sawContent || toolCalls.Count > 0))
        {
            // Providers end every complete answer with a finish_reason; a stream that stops without one was cut off
            // (connection dropped or server crashed), and must not pass for a complete answer.
            throw new ModelCallException(ModelFailureKind.StreamInterrupted, Profile.Name, Profile.Model, Profile.Endpoint,
                $"Model profile '{Profile.Name}' ({Profile.Model} at {Profile.Endpoint}): the stream ended after {chunks} chunk(s) without a finish reason; the answer is incomplete.");
        }

        if (toolCalls.Count > 0)
        {
            var calls = new ChatResponseUpdate
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = modelId,
                CreatedAt = createdAt,
                Role = AiChatRole.Assistant,
                FinishReason = finishReason ?? Microsoft.Extensions.AI.ChatFinishReason.ToolCalls,
            };
            foreach (var (index, builder) in toolCalls)
            {
                calls.Contents.Add(OpenAiChatMapper.ToFunctionCall(builder.Id ?? $"call_{index}", builder.Name ?? "", builder.Arguments.ToString()));
            }

            yield return calls;
        }
        else if (!sawContent)
        {
            throw EmptyResponse(chunks == 0 ? "the stream ended without any chunk" : $"the stream's {chunks} chunk(s) carried no text and no tool call");
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(ModelProfile) ? Profile
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(ChatClient) ? _client
        : null;

    public void Dispose()
    {
        // The SDK client owns no unmanaged state of ours.
    }

    private ChatResponse ToResponse(ChatCompletion completion)
    {
        var message = new AiChatMessage(AiChatRole.Assistant, []) { MessageId = completion.Id, RawRepresentation = completion };
        foreach (var part in completion.Content)
        {
            if (!string.IsNullOrEmpty(part.Text))
            {
                message.Contents.Add(new TextContent(part.Text));
            }
        }

        foreach (var call in completion.ToolCalls)
        {
            message.Contents.Add(OpenAiChatMapper.ToFunctionCall(call.Id, call.FunctionName, call.FunctionArguments?.ToString()));
        }

        if (message.Contents.Count == 0)
        {
            throw EmptyResponse(string.IsNullOrEmpty(completion.Refusal)
                ? "the completion had no text and no tool call"
                : $"the model refused: {completion.Refusal}");
        }

        return new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt,
            FinishReason = OpenAiChatMapper.ToFinishReason(completion.FinishReason),
            Usage = OpenAiChatMapper.ToUsage(completion.Usage),
            RawRepresentation = completion,
        };
    }

    private ModelCallException EmptyResponse(string detail) =>
        new(ModelFailureKind.EmptyResponse, Profile.Name, Profile.Model, Profile.Endpoint,
            $"Model profile '{Profile.Name}' ({Profile.Model} at {Profile.Endpoint}) returned an empty response: {detail}. Check {Profile.SettingPath}:Model.");

    private sealed class ToolCallBuilder
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
