using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Prompts;

/// <summary>
/// Where agents get their versioned prompts (<c>prompts/&lt;agent&gt;/&lt;version&gt;.md</c>), rendered into chat
/// messages. The built-in <see cref="EmbeddedAgentPromptSource"/> serves the copies embedded at build time; the
/// model layer's prompt registry (with A/B selection) replaces it when registered. Thread-safe.
/// </summary>
public interface IAgentPromptSource
{
    /// <summary>
    /// Renders the prompt of <paramref name="promptId"/> (e.g. <c>synthesis</c>) chosen for
    /// <paramref name="workflowId"/>, filling its <c>{{placeholders}}</c> from <paramref name="values"/>.
    /// Throws <see cref="KeyNotFoundException"/> naming the prompt when there is none, and
    /// <see cref="ArgumentException"/> naming a placeholder that has no value.
    /// </summary>
    Task<RenderedPrompt> RenderAsync(string promptId, string workflowId, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default);
}

/// <summary>A prompt ready to send: its messages, its version (recorded with each model call) and its model settings.</summary>
public sealed record RenderedPrompt(string Id, string Version, IReadOnlyList<ChatMessage> Messages, float? Temperature = null, int? MaxTokens = null);
