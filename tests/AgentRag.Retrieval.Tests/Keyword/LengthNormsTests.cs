using AgentRag.Retrieval.Keyword;

namespace AgentRag.Retrieval.Tests.Keyword;

public sealed class LengthNormsTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(23, 23)]
    [InlineData(24, 24)]
    [InlineData(31, 31)]
    [InlineData(32, 32)]
    [InlineData(41, 40)]
    [InlineData(100, 96)]
    public void Quantize_Length_MatchesLuceneSmallFloat(int length, int expected) =>
        LengthNorms.Quantize(length).ShouldBe(expected);

    [Fact]
    public void Quantize_AllLengths_IsMonotoneAndNeverLarger()
    {
        var previous = 0;
        for (var length = 0; length < 100_000; length += 7)
        {
            var quantized = LengthNorms.Quantize(length);
            quantized.ShouldBeLessThanOrEqualTo(length);
            quantized.ShouldBeGreaterThanOrEqualTo(previous);
            LengthNorms.Quantize(quantized).ShouldBe(quantized);
            previous = quantized;
        }
    }
}
