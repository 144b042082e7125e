using System.Text.Json;
using AgentRag.Agents.Plans;
using AgentRag.Core.Serialization;
using AgentRag.Core.Text;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Tools;

/// <summary>
/// The <c>tool</c> agent: calls one tool of the <see cref="IStepToolSource"/> with the step's arguments and records its
/// result. A tool with side effects makes the step wait for a person's approval first (the approval policy marks it);
/// an approver may change the arguments (a modification). Registered by <see cref="ToolAgentServiceCollectionExtensions.AddStepTools{TSource}"/>.
/// Thread-safe.
/// </summary>
public sealed class ToolAgent(IStepToolSource tools) : IAgent
{
    public const string Name = "tool";

    /// <summary>Longest tool result kept in the step's output, in characters.</summary>
    public const int MaxResultLength = 20_000;

    public AgentDescriptor Descriptor { get; } = new(
        Name,
        "Calls one tool of the tool registry with arguments; a tool with side effects waits for a person's approval.",
        new InputSchema(
            new InputProperty("tool", InputType.String, "The tool's name in the registry.", Required: true, MaxLength: 200),
            new InputProperty("arguments", InputType.Object, "The tool's arguments, as its JSON schema describes them.")),
        new AgentCostProfile(LocalLatencyMs: 50));

    public async Task<StepOutput> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var name = context.GetString("tool") ?? throw new InvalidOperationException($"Step '{context.StepId}' names no tool.");
        var tool = tools.Find(context.TenantId, name)
            ?? throw new InvalidOperationException($"The tool '{name}' is not available now (unknown, or its server is down).");
        var arguments = new AIFunctionArguments();
        if (context.Inputs.TryGetValue("arguments", out var given) && given.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in given.EnumerateObject())
            {
                arguments[property.Name] = property.Value.Clone();
            }
        }

        context.Events.Progress($"Calling {name}.");
        object? result;
        using (var span = Workflows.WorkflowTelemetry.StartToolCall(name, tool.Source))
        {
            try
            {
                result = await tool.Function.InvokeAsync(arguments, cancellationToken);
            }
            catch (Exception ex)
            {
                span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
                throw;
            }
        }

        var text = ToolResults.ToText(result);
        var truncated = text.Length > MaxResultLength;
        if (truncated)
        {
            text = text[..MaxResultLength];
        }

        return StepOutput.Create(
            new ToolCallResult(name, tool.Source, tool.SideEffects, text, truncated),
            $"Called {name}{(tool.SideEffects ? " (side effects)" : "")}: {TextPreview.OneLine(text, 120)}",
            warnings: truncated ? [$"The result of tool '{name}' was cut to {MaxResultLength:N0} characters."] : null);
    }
}

/// <summary>What a <c>tool</c> step recorded.</summary>
/// <param name="Tool">The tool's name.</param>
/// <param name="Source">Where the tool comes from.</param>
/// <param name="SideEffects">Whether the tool has side effects.</param>
/// <param name="Result">Its result as text (JSON for structured results).</param>
/// <param name="Truncated">The result was longer than <see cref="ToolAgent.MaxResultLength"/>.</param>
public sealed record ToolCallResult(string Tool, string Source, bool SideEffects, string Result, bool Truncated);
