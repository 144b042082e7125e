using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentRag.Mcp.Tools;

/// <summary>
/// A read-only tool over the platform's own data, bound to one tenant at creation: every call reads that tenant's
/// records only. Arguments are validated against the declared names before the call runs.
/// </summary>
public abstract class BuiltInTool : AgentTool
{
    private readonly JsonElement _schema;
    private readonly string[] _argumentNames;

    protected BuiltInTool(string tenantId, string name, string description, string jsonSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        TenantId = tenantId;
        Name = name;
        Description = description;
        using var document = JsonDocument.Parse(jsonSchema);
        _schema = document.RootElement.Clone();
        _argumentNames = [.. _schema.GetProperty("properties").EnumerateObject().Select(p => p.Name)];
    }

    /// <summary>The tenant whose data this instance reads.</summary>
    public string TenantId { get; }

    public override string Name { get; }

    public override string Description { get; }

    public override JsonElement JsonSchema => _schema;

    public override bool SideEffects => false;

    public override string Source => BuiltInSource;

    protected sealed override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var args = ToolArguments.From(Name, arguments);
        args.RejectUnknown(_argumentNames);
        return await ExecuteAsync(args, cancellationToken);
    }

    /// <summary>Runs the call; returns a JSON-serializable result.</summary>
    protected abstract Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken);
}
