namespace AgentRag.Retrieval.Analysis;

/// <summary>
/// The Porter (1980) suffix-stripping stemmer, in the form of Martin Porter's reference C implementation that
/// Lucene's <c>PorterStemFilter</c> ports: it includes the reference version's two departures from the paper
/// (<c>-bli → -ble</c> instead of <c>-abli → -able</c>, and <c>-logi → -log</c>) and leaves words of one or two
/// characters alone. Input must be lower case; characters other than a, e, i, o, u (and y after a consonant)
/// count as consonants. Stateless and thread-safe.
/// </summary>
public static class PorterStemmer
{
    /// <summary>Stems <paramref name="word"/> in place and returns the stem's length (a prefix of the span).</summary>
    public static int Stem(Span<char> word)
    {
        if (word.Length <= 2)
        {
            return word.Length;
        }

        var s = new State(word);
        s.Step1ab();
        if (s.K > 0)
        {
            s.Step1c();
            s.Step2();
            s.Step3();
            s.Step4();
            s.Step5();
        }

        return s.K + 1;
    }

    /// <summary>Convenience overload that allocates; use the span overload on hot paths.</summary>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var buffer = word.ToCharArray();
        return new string(buffer, 0, Stem(buffer));
    }

    /// <summary>b[0..K] is the word being stemmed; J marks the end of the stem once <see cref="Ends"/> matched.</summary>
    private ref struct State(Span<char> b)
    {
        private readonly Span<char> _b = b;
        public int K = b.Length - 1;
        private int _j;

        private readonly bool IsConsonant(int i) => _b[i] switch
        {
            'a' or 'e' or 'i' or 'o' or 'u' => false,
            'y' => i == 0 || !IsConsonant(i - 1),
            _ => true,
        };

        /// <summary>The measure m of b[0..J]: the number of VC sequences in [C](VC)^m[V].</summary>
        private readonly int Measure()
        {
            var n = 0;
            var i = 0;
            while (true)
            {
                if (i > _j)
                {
                    return n;
                }

                if (!IsConsonant(i))
                {
                    break;
                }

                i++;
            }

            i++;
            while (true)
            {
                while (true)
                {
                    if (i > _j)
                    {
                        return n;
                    }

                    if (IsConsonant(i))
                    {
                        break;
                    }

                    i++;
                }

                i++;
                n++;
                while (true)
                {
                    if (i > _j)
                    {
                        return n;
                    }

                    if (!IsConsonant(i))
                    {
                        break;
                    }

                    i++;
                }

                i++;
            }
        }

        private readonly bool VowelInStem()
        {
            for (var i = 0; i <= _j; i++)
            {
                if (!IsConsonant(i))
                {
                    return true;
                }
            }

            return false;
        }

        private readonly bool DoubleConsonant(int j) => j >= 1 && _b[j] == _b[j - 1] && IsConsonant(j);

        /// <summary>cvc(i): b[i-2..i] is consonant-vowel-consonant and the last is not w, x or y.</summary>
        private readonly bool Cvc(int i)
        {
            if (i < 2 || !IsConsonant(i) || IsConsonant(i - 1) || !IsConsonant(i - 2))
            {
                return false;
            }

            return _b[i] is not ('w' or 'x' or 'y');
        }

        private bool Ends(string suffix)
        {
            var length = suffix.Length;
            if (length > K + 1 || _b[K] != suffix[length - 1])
            {
                return false;
            }

            if (!_b.Slice(K - length + 1, length).SequenceEqual(suffix))
            {
                return false;
            }

            _j = K - length;
            return true;
        }

        private void SetTo(string replacement)
        {
            replacement.AsSpan().CopyTo(_b[(_j + 1)..]);
            K = _j + replacement.Length;
        }

        private void ReplaceIfMeasured(string replacement)
        {
            if (Measure() > 0)
            {
                SetTo(replacement);
            }
        }

        /// <summary>Plurals and -ed/-ing.</summary>
        public void Step1ab()
        {
            if (_b[K] == 's')
            {
                if (Ends("sses"))
                {
                    K -= 2;
                }
                else if (Ends("ies"))
                {
                    SetTo("i");
                }
                else if (_b[K - 1] != 's')
                {
                    K--;
                }
            }

            if (Ends("eed"))
            {
                if (Measure() > 0)
                {
                    K--;
                }
            }
            else if ((Ends("ed") || Ends("ing")) && VowelInStem())
            {
                K = _j;
                if (Ends("at"))
                {
                    SetTo("ate");
                }
                else if (Ends("bl"))
                {
                    SetTo("ble");
                }
                else if (Ends("iz"))
                {
                    SetTo("ize");
                }
                else if (DoubleConsonant(K))
                {
                    K--;
                    if (_b[K] is 'l' or 's' or 'z')
                    {
                        K++;
                    }
                }
                else if (Measure() == 1 && Cvc(K))
                {
                    _j = K;
                    SetTo("e");
                }
            }
        }

        /// <summary>Terminal y to i when there is another vowel in the stem.</summary>
        public void Step1c()
        {
            if (Ends("y") && VowelInStem())
            {
                _b[K] = 'i';
            }
        }

        /// <summary>Double suffixes to single ones, when m &gt; 0.</summary>
        public void Step2()
        {
            switch (_b[K - 1])
            {
                case 'a':
                    if (Ends("ational")) { ReplaceIfMeasured("ate"); break; }
                    if (Ends("tional")) { ReplaceIfMeasured("tion"); }
                    break;
                case 'c':
                    if (Ends("enci")) { ReplaceIfMeasured("ence"); break; }
                    if (Ends("anci")) { ReplaceIfMeasured("ance"); }
                    break;
                case 'e':
                    if (Ends("izer")) { ReplaceIfMeasured("ize"); }
                    break;
                case 'l':
                    if (Ends("bli")) { ReplaceIfMeasured("ble"); break; }
                    if (Ends("alli")) { ReplaceIfMeasured("al"); break; }
                    if (Ends("entli")) { ReplaceIfMeasured("ent"); break; }
                    if (Ends("eli")) { ReplaceIfMeasured("e"); break; }
                    if (Ends("ousli")) { ReplaceIfMeasured("ous"); }
                    break;
                case 'o':
                    if (Ends("ization")) { ReplaceIfMeasured("ize"); break; }
                    if (Ends("ation")) { ReplaceIfMeasured("ate"); break; }
                    if (Ends("ator")) { ReplaceIfMeasured("ate"); }
                    break;
                case 's':
                    if (Ends("alism")) { ReplaceIfMeasured("al"); break; }
                    if (Ends("iveness")) { ReplaceIfMeasured("ive"); break; }
                    if (Ends("fulness")) { ReplaceIfMeasured("ful"); break; }
                    if (Ends("ousness")) { ReplaceIfMeasured("ous"); }
                    break;
                case 't':
                    if (Ends("aliti")) { ReplaceIfMeasured("al"); break; }
                    if (Ends("iviti")) { ReplaceIfMeasured("ive"); break; }
                    if (Ends("biliti")) { ReplaceIfMeasured("ble"); }
                    break;
                case 'g':
                    if (Ends("logi")) { ReplaceIfMeasured("log"); }
                    break;
            }
        }

        /// <summary>-ic-, -full, -ness etc., when m &gt; 0.</summary>
        public void Step3()
        {
            switch (_b[K])
            {
                case 'e':
                    if (Ends("icate")) { ReplaceIfMeasured("ic"); break; }
                    if (Ends("ative")) { ReplaceIfMeasured(""); break; }
                    if (Ends("alize")) { ReplaceIfMeasured("al"); }
                    break;
                case 'i':
                    if (Ends("iciti")) { ReplaceIfMeasured("ic"); }
                    break;
                case 'l':
                    if (Ends("ical")) { ReplaceIfMeasured("ic"); break; }
                    if (Ends("ful")) { ReplaceIfMeasured(""); }
                    break;
                case 's':
                    if (Ends("ness")) { ReplaceIfMeasured(""); }
                    break;
            }
        }

        /// <summary>Removes -ant, -ence etc. in context &lt;c&gt;vcvc&lt;v&gt;, i.e. when m &gt; 1.</summary>
        public void Step4()
        {
            var matched = _b[K - 1] switch
            {
                'a' => Ends("al"),
                'c' => Ends("ance") || Ends("ence"),
                'e' => Ends("er"),
                'i' => Ends("ic"),
                'l' => Ends("able") || Ends("ible"),
                'n' => Ends("ant") || Ends("ement") || Ends("ment") || Ends("ent"),
                'o' => (Ends("ion") && _j >= 0 && _b[_j] is 's' or 't') || Ends("ou"),
                's' => Ends("ism"),
                't' => Ends("ate") || Ends("iti"),
                'u' => Ends("ous"),
                'v' => Ends("ive"),
                'z' => Ends("ize"),
                _ => false,
            };
            if (matched && Measure() > 1)
            {
                K = _j;
            }
        }

        /// <summary>Removes a final -e when m &gt; 1 (or m = 1 and not *o), and -ll to -l when m &gt; 1.</summary>
        public void Step5()
        {
            _j = K;
            if (_b[K] == 'e')
            {
                var m = Measure();
                if (m > 1 || (m == 1 && !Cvc(K - 1)))
                {
                    K--;
                }
            }

            if (_b[K] == 'l' && DoubleConsonant(K) && Measure() > 1)
            {
                K--;
            }
        }
    }
}
