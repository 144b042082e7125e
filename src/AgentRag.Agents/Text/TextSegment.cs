namespace AgentRag.Agents.Text;

/// <summary>What kind of text a <see cref="TextSegment"/> is.</summary>
public enum SegmentKind
{
    /// <summary>A prose sentence: a candidate for answers and quotes.</summary>
    Sentence,

    /// <summary>A heading or page furniture line.</summary>
    Heading,

    /// <summary>A line of code or a command example.</summary>
    Code,
}

/// <summary>A sentence (or heading, or code line) of a passage: [<see cref="Start"/>, <see cref="End"/>) of the passage text, and that text with whitespace runs collapsed.</summary>
public sealed record TextSegment(string Text, int Start, int End, SegmentKind Kind);
