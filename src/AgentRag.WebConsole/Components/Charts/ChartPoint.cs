namespace AgentRag.WebConsole.Components.Charts;

/// <summary>One value of a chart with its label and its text (what the chart's table and text alternative show).</summary>
public sealed record ChartPoint(string Label, double Value, string Text);
