using System.Globalization;

namespace AgentRag.Core.Text;

/// <summary>
/// Evaluates arithmetic exactly as written: numbers (decimal point, optional thousands commas), + - * / % ^,
/// unary minus and parentheses, with the usual precedence (^ binds tightest and is right-associative).
/// Computes in <see cref="decimal"/> so 0.1 + 0.2 is 0.3. Throws <see cref="FormatException"/> naming the position
/// for malformed input and <see cref="DivideByZeroException"/> / <see cref="OverflowException"/> as arithmetic does.
/// Thread-safe.
/// </summary>
public static class ArithmeticEvaluator
{
    public static decimal Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parser = new Parser(expression);
        var value = parser.ParseSum();
        parser.SkipSpaces();
        if (!parser.AtEnd)
        {
            throw new FormatException($"Unexpected '{parser.Current}' at position {parser.Position + 1} of '{expression}'.");
        }

        return value;
    }

    /// <summary>The value as people write it: no trailing zeros, invariant culture.</summary>
    public static string Format(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    private sealed class Parser(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public char Current => text[Position];

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(Current))
            {
                Position++;
            }
        }

        public decimal ParseSum()
        {
            var value = ParseProduct();
            while (true)
            {
                SkipSpaces();
                if (AtEnd || Current is not ('+' or '-'))
                {
                    return value;
                }

                var op = Current;
                Position++;
                var right = ParseProduct();
                value = op == '+' ? value + right : value - right;
            }
        }

        private decimal ParseProduct()
        {
            var value = ParsePower();
            while (true)
            {
                SkipSpaces();
                if (AtEnd || Current is not ('*' or '/' or '%'))
                {
                    return value;
                }

                var op = Current;
                Position++;
                var right = ParsePower();
                value = op switch
                {
                    '*' => value * right,
                    '/' => value / right,
                    _ => value % right,
                };
            }
        }

        private decimal ParsePower()
        {
            var value = ParseUnary();
            SkipSpaces();
            if (!AtEnd && Current == '^')
            {
                Position++;
                var exponent = ParsePower();
                return Power(value, exponent);
            }

            return value;
        }

        private decimal ParseUnary()
        {
            SkipSpaces();
            if (!AtEnd && Current is '-' or '+')
            {
                var negative = Current == '-';
                Position++;
                var operand = ParseUnary();
                return negative ? -operand : operand;
            }

            return ParseAtom();
        }

        private decimal ParseAtom()
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw new FormatException($"The expression '{text}' ends where a number was expected.");
            }

            if (Current == '(')
            {
                Position++;
                var value = ParseSum();
                SkipSpaces();
                if (AtEnd || Current != ')')
                {
                    throw new FormatException($"Missing ')' at position {Position + 1} of '{text}'.");
                }

                Position++;
                return value;
            }

            var start = Position;
            while (!AtEnd && (char.IsAsciiDigit(Current) || Current == '.' || (Current == ',' && IsThousands())))
            {
                Position++;
            }

            if (start == Position)
            {
                throw new FormatException($"Expected a number at position {start + 1} of '{text}', found '{Current}'.");
            }

            var literal = text[start..Position].Replace(",", "", StringComparison.Ordinal);
            return decimal.TryParse(literal, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new FormatException($"'{text[start..Position]}' at position {start + 1} is not a number.");
        }

        /// <summary>A comma followed by exactly three digits is a thousands separator (1,000), not a list.</summary>
        private bool IsThousands() =>
            Position + 3 < text.Length
            && char.IsAsciiDigit(text[Position + 1]) && char.IsAsciiDigit(text[Position + 2]) && char.IsAsciiDigit(text[Position + 3])
            && (Position + 4 == text.Length || !char.IsAsciiDigit(text[Position + 4]));

        private decimal Power(decimal value, decimal exponent)
        {
            if (exponent == decimal.Truncate(exponent) && Math.Abs(exponent) <= 1000)
            {
                var result = 1m;
                for (var i = 0; i < Math.Abs((int)exponent); i++)
                {
                    result *= value;
                }

                return exponent < 0 ? 1m / result : result;
            }

            var real = Math.Pow((double)value, (double)exponent);
            return double.IsFinite(real)
                ? (decimal)real
                : throw new OverflowException($"{Format(value)} ^ {Format(exponent)} in '{text}' has no finite real value.");
        }
    }
}
