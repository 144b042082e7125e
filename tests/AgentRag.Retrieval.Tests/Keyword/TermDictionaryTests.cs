using AgentRag.Retrieval.Keyword;

namespace AgentRag.Retrieval.Tests.Keyword;

public sealed class TermDictionaryTests
{
    [Fact]
    public void GetOrAdd_NewAndRepeatedTerms_GivesDenseIdsInFirstSeenOrder()
    {
        var terms = new TermDictionary();

        terms.GetOrAdd("vector", out var addedVector).ShouldBe(0);
        terms.GetOrAdd("list", out var addedList).ShouldBe(1);
        terms.GetOrAdd("vector", out var addedAgain).ShouldBe(0);

        (addedVector, addedList, addedAgain).ShouldBe((true, true, false));
        terms.Count.ShouldBe(2);
        terms[1].ShouldBe("list");
        terms.ShouldBe(["vector", "list"]);
    }

    [Fact]
    public void TryGetId_ManyTermsThroughSeveralGrowths_AgreesWithADictionary()
    {
        var terms = new TermDictionary();
        var reference = new Dictionary<string, int>(StringComparer.Ordinal);
        var random = new Random(17);
        for (var i = 0; i < 50_000; i++)
        {
            // Short random words repeat often, so both the hit and the insert paths run many times.
            var word = new string([.. Enumerable.Range(0, 1 + random.Next(6)).Select(_ => (char)('a' + random.Next(8)))]);
            var id = terms.GetOrAdd(word, out var added);
            added.ShouldBe(!reference.ContainsKey(word));
            reference.TryAdd(word, id);
            id.ShouldBe(reference[word]);
        }

        terms.Count.ShouldBe(reference.Count);
        foreach (var (word, id) in reference)
        {
            terms.TryGetId(word, out var found).ShouldBeTrue();
            found.ShouldBe(id);
            terms[id].ShouldBe(word);
        }

        terms.TryGetId("zzzzzzzz", out var missing).ShouldBeFalse();
        missing.ShouldBe(-1);
    }

    [Fact]
    public void TryGetId_PrefixesAndNonAsciiTerms_MatchOnlyTheExactText()
    {
        var terms = new TermDictionary();
        terms.Add("naïv");
        terms.Add("na");
        terms.Add(string.Empty);

        terms.TryGetId("naïv", out var full).ShouldBeTrue();
        terms.TryGetId("na", out var prefix).ShouldBeTrue();
        terms.TryGetId(string.Empty, out var empty).ShouldBeTrue();
        (full, prefix, empty).ShouldBe((0, 1, 2));
        terms.TryGetId("naiv", out _).ShouldBeFalse();
        terms.TryGetId("n", out _).ShouldBeFalse();
    }

    [Fact]
    public void Add_TermAlreadyPresent_Throws()
    {
        var terms = new TermDictionary();
        terms.Add("vector");

        Should.Throw<ArgumentException>(() => terms.Add("vector")).Message.ShouldContain("'vector' is already in the vocabulary");
        terms.Count.ShouldBe(1);
    }
}
