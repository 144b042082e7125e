using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using AiFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using OpenAiChatMessage = OpenAI.Chat.ChatMessage;
using OpenAiFinishReason = OpenAI.Chat.ChatFinishReason;

namespace AgentRag.Models.OpenAi;

/// <summary>Maps between Microsoft.Extensions.AI chat types and the OpenAI SDK's.</summary>
internal static class OpenAiChatMapper
{
    public static List<OpenAiChatMessage> ToOpenAiMessages(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        var result = new List<OpenAiChatMessage>();
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            result.Add(OpenAiChatMessage.CreateSystemMessage(options.Instructions));
        }

        foreach (var message in messages)
        {
            if (message.Role == AiChatRole.System)
            {
                result.Add(OpenAiChatMessage.CreateSystemMessage(message.Text));
            }
            else if (message.Role == AiChatRole.User)
            {
                result.Add(OpenAiChatMessage.CreateUserMessage(UserParts(message)));
            }
            else if (message.Role == AiChatRole.Assistant)
            {
                var toolCalls = message.Contents.OfType<FunctionCallContent>()
                    .Select(call => ChatToolCall.CreateFunctionToolCall(call.CallId, call.Name,
                        BinaryData.FromString(JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), ModelJson.Options))))
                    .ToList();
                var assistant = toolCalls.Count > 0
                    ? new AssistantChatMessage(toolCalls)
                    : new AssistantChatMessage(message.Text);
                if (toolCalls.Count > 0 && !string.IsNullOrEmpty(message.Text))
                {
                    assistant.Content.Add(ChatMessageContentPart.CreateTextPart(message.Text));
                }

                result.Add(assistant);
            }
            else if (message.Role == AiChatRole.Tool)
            {
                foreach (var toolResult in message.Contents.OfType<FunctionResultContent>())
                {
                    result.Add(OpenAiChatMessage.CreateToolMessage(toolResult.CallId, ResultText(toolResult)));
                }
            }
            else
            {
                throw new ArgumentException($"Unsupported chat role '{message.Role}'. Use system, user, assistant or tool.", nameof(messages));
            }
        }

        return result;
    }

    public static ChatCompletionOptions ToOpenAiOptions(ChatOptions? options)
    {
        var result = new ChatCompletionOptions();
        if (options is null)
        {
            return result;
        }

        result.Temperature = options.Temperature;
        result.TopP = options.TopP;
        result.MaxOutputTokenCount = options.MaxOutputTokens;
        result.FrequencyPenalty = options.FrequencyPenalty;
        result.PresencePenalty = options.PresencePenalty;
        foreach (var stop in options.StopSequences ?? [])
        {
            result.StopSequences.Add(stop);
        }

        foreach (var tool in options.Tools ?? [])
        {
            if (tool is AIFunctionDeclaration function)
            {
                result.Tools.Add(ChatTool.CreateFunctionTool(function.Name, function.Description,
                    BinaryData.FromString(function.JsonSchema.GetRawText())));
            }
        }

        if (result.Tools.Count > 0)
        {
            result.AllowParallelToolCalls = options.AllowMultipleToolCalls;
            result.ToolChoice = options.ToolMode switch
            {
                NoneChatToolMode => ChatToolChoice.CreateNoneChoice(),
                RequiredChatToolMode { RequiredFunctionName: { } name } => ChatToolChoice.CreateFunctionChoice(name),
                RequiredChatToolMode => ChatToolChoice.CreateRequiredChoice(),
                AutoChatToolMode => ChatToolChoice.CreateAutoChoice(),
                _ => null,
            };
        }

        result.ResponseFormat = options.ResponseFormat switch
        {
            ChatResponseFormatJson { Schema: { } schema } json => OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat(
                json.SchemaName ?? "response", BinaryData.FromString(schema.GetRawText()), json.SchemaDescription),
            ChatResponseFormatJson => OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat(),
            ChatResponseFormatText => OpenAI.Chat.ChatResponseFormat.CreateTextFormat(),
            _ => null,
        };
        return result;
    }

    public static UsageDetails? ToUsage(ChatTokenUsage? usage) => usage is null
        ? null
        : new UsageDetails
        {
            InputTokenCount = usage.InputTokenCount,
            OutputTokenCount = usage.OutputTokenCount,
            TotalTokenCount = usage.TotalTokenCount,
            CachedInputTokenCount = usage.InputTokenDetails?.CachedTokenCount,
            ReasoningTokenCount = usage.OutputTokenDetails?.ReasoningTokenCount,
        };

    public static AiFinishReason? ToFinishReason(OpenAiFinishReason? reason) => reason switch
    {
        OpenAiFinishReason.Stop => AiFinishReason.Stop,
        OpenAiFinishReason.Length => AiFinishReason.Length,
        OpenAiFinishReason.ContentFilter => AiFinishReason.ContentFilter,
        OpenAiFinishReason.ToolCalls or OpenAiFinishReason.FunctionCall => AiFinishReason.ToolCalls,
        _ => null,
    };

    /// <summary>Parses a tool call's JSON arguments; malformed arguments are kept on the content's <c>Exception</c>.</summary>
    public static FunctionCallContent ToFunctionCall(string callId, string name, string? argumentsJson) =>
        FunctionCallContent.CreateFromParsedArguments(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson, callId, name,
            static json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json, ModelJson.Options));

    private static List<ChatMessageContentPart> UserParts(AiChatMessage message)
    {
        var parts = new List<ChatMessageContentPart>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    parts.Add(ChatMessageContentPart.CreateTextPart(text.Text));
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(data.Data), data.MediaType));
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(uri.Uri));
                    break;
            }
        }

        if (parts.Count == 0)
        {
            parts.Add(ChatMessageContentPart.CreateTextPart(message.Text));
        }

        return parts;
    }

    private static string ResultText(FunctionResultContent result) => result.Result switch
    {
        null => result.Exception is { } ex ? $"Error: {ex.Message}" : "",
        string text => text,
        JsonElement element => element.GetRawText(),
        var other => JsonSerializer.Serialize(other, ModelJson.Options),
    };
}
