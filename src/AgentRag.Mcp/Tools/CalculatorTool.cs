using AgentRag.Core.Text;

namespace AgentRag.Mcp.Tools;

/// <summary>
/// <c>calculator</c>: exact arithmetic by <see cref="ArithmeticEvaluator"/>, so a model never computes in its head.
/// Reads no data; the tenant binding is only the built-in tools' shape.
/// </summary>
public sealed class CalculatorTool(string tenantId) : BuiltInTool(tenantId, ToolName, Summary, Schema)
{
    public const string ToolName = "calculator";

    private const string Summary =
        "Compute an arithmetic expression exactly (decimal arithmetic: 0.1 + 0.2 is 0.3). Supports + - * / % ^, unary minus, "
        + "parentheses and thousands commas. Use it for every calculation instead of computing in your head.";

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "expression": { "type": "string", "minLength": 1, "maxLength": 1000, "description": "The expression, e.g. (12.5 + 3) * 4 / 2." }
          },
          "required": ["expression"],
          "additionalProperties": false
        }
        """;

    protected override Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        var expression = arguments.RequiredString("expression", maxLength: 1000);
        try
        {
            return Task.FromResult<object>(new CalculatorResult(expression, ArithmeticEvaluator.Format(ArithmeticEvaluator.Evaluate(expression))));
        }
        catch (Exception ex) when (ex is FormatException or DivideByZeroException or OverflowException)
        {
            throw arguments.Invalid($"'{expression}' cannot be computed: {ex.Message.TrimEnd('.')}");
        }
    }
}

/// <summary>What <c>calculator</c> returns.</summary>
/// <param name="Expression">The expression as given.</param>
/// <param name="Result">Its exact value, formatted without trailing zeros.</param>
public sealed record CalculatorResult(string Expression, string Result);
