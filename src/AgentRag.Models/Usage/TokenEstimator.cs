using Microsoft.Extensions.AI;

namespace AgentRag.Models.Usage;

/// <summary>
/// Estimates token counts when a provider reports none, and for budget checks before a call: about 4 characters per
/// token (OpenAI's rule of thumb for English) plus a few tokens of per-message overhead. Estimates are flagged as such.
/// </summary>
public static class TokenEstimator
{
    private const int PerMessageOverhead = 4;

    public static long Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;

    /// <summary>Input tokens of a request: its messages' text, tool calls and results, and the instructions.</summary>
    public static long EstimateInput(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        long total = Estimate(options?.Instructions);
        foreach (var message in messages)
        {
            total += PerMessageOverhead;
            foreach (var content in message.Contents)
            {
                total += content switch
                {
                    TextContent text => Estimate(text.Text),
                    FunctionCallContent call => Estimate(call.Name) + Estimate(System.Text.Json.JsonSerializer.Serialize(call.Arguments, ModelJson.Options)),
                    FunctionResultContent result => Estimate(result.Result?.ToString()),
                    _ => 0,
                };
            }
        }

        foreach (var tool in options?.Tools ?? [])
        {
            total += Estimate(tool.Name) + Estimate(tool.Description) + (tool is AIFunctionDeclaration f ? Estimate(f.JsonSchema.GetRawText()) : 0);
        }

        return total;
    }

    /// <summary>Output tokens of a response: its text and tool calls.</summary>
    public static long EstimateOutput(IEnumerable<ChatMessage> messages) =>
        messages.Sum(m => m.Contents.Sum(c => c switch
        {
            TextContent text => Estimate(text.Text),
            FunctionCallContent call => Estimate(call.Name) + Estimate(System.Text.Json.JsonSerializer.Serialize(call.Arguments, ModelJson.Options)),
            _ => 0L,
        }));
}
