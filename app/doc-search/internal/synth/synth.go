// Package synth writes deterministic synthetic corpora in the Blog
// Authorship Corpus format, irregularities included, with a Zipf-distributed
// vocabulary, and the queries that benchmarks and load tests ask of them.
package synth

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Spec describes a corpus. The same Spec always gives the same bytes.
type Spec struct {
	Docs  int   // number of documents
	Bytes int64 // total size, approximately
	Seed  uint64
}

// FullScale is the size of the real Blog Authorship Corpus.
var FullScale = Spec{Docs: 19320, Bytes: 800_000_000, Seed: 1}

const (
	vocabSize = 1 << 21 // ranks 0..vocabSize-1
	zipfS     = 1.1
	zipfV     = 2.7
)

// Word ranges the query mixes draw from: common words are in almost every
// document, rare ones in a few dozen at full scale.
var (
	CommonRanks = [2]uint64{0, 40}
	MidRanks    = [2]uint64{1000, 10000}
	RareRanks   = [2]uint64{50_000, 400_000}
)

var (
	consonants = []string{"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "th", "st"}
	vowels     = []string{"a", "e", "i", "o", "u", "ai", "ou"}
)

// Word returns the word of a rank, ASCII lower case, unique per rank:
// syllables in bijective base-len(syllables) numeration, so frequent words are short.
func Word(rank uint64) string {
	n := uint64(len(consonants) * len(vowels))
	var b strings.Builder
	for r := rank + 1; r > 0; r = (r - 1) / n {
		s := (r - 1) % n
		b.WriteString(consonants[s/uint64(len(vowels))])
		b.WriteString(vowels[s%uint64(len(vowels))])
	}
	return b.String()
}

// accented says whether a rank's word carries an 'é' in place of its last
// 'e', written as Latin-1 in Latin-1 documents: the format's encoding mess.
func accented(rank uint64) bool { return rank%53 == 7 && rank > 200 }

// Display returns the word of a rank as the index sees it (folded UTF-8).
func Display(rank uint64) string {
	w := Word(rank)
	if accented(rank) {
		if i := strings.LastIndexByte(w, 'e'); i >= 0 {
			return w[:i] + "é" + w[i+1:]
		}
	}
	return w
}

// Generate writes the corpus into dir using every core and returns the
// bytes written.
func Generate(dir string, spec Spec) (int64, error) {
	if spec.Docs <= 0 || spec.Bytes <= 0 {
		return 0, fmt.Errorf("corpus spec needs documents and bytes, got %d documents, %d bytes", spec.Docs, spec.Bytes)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("creating %s: %w", dir, err)
	}
	names, sizes := layout(spec)
	var (
		next    atomic.Int64
		written atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		firstEr error
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var buf bytes.Buffer
			for {
				i := int(next.Add(1) - 1)
				if i >= spec.Docs {
					return
				}
				buf.Reset()
				writeDoc(&buf, spec.Seed, i, sizes[i])
				path := filepath.Join(dir, names[i])
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					errOnce.Do(func() { firstEr = fmt.Errorf("writing %s: %w", path, err) })
					return
				}
				written.Add(int64(buf.Len()))
			}
		})
	}
	wg.Wait()
	return written.Load(), firstEr
}

var (
	genders    = []string{"male", "female"}
	industries = []string{"indUnk", "Student", "Technology", "Arts", "Education", "Communications-Media", "Internet", "Non-Profit", "Engineering", "Law", "Publishing", "Science", "Government", "Consulting", "Religion", "Fashion", "Marketing", "BusinessServices", "Banking", "Chemicals", "Telecommunications", "Accounting", "Military", "Museums-Libraries", "HumanResources", "Sports-Recreation", "Transportation", "Tourism", "Agriculture", "Automotive"}
	signs      = []string{"Aries", "Taurus", "Gemini", "Cancer", "Leo", "Virgo", "Libra", "Scorpio", "Sagittarius", "Capricorn", "Aquarius", "Pisces"}
	months     = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// layout draws every document's file name and size: log-normal sizes,
// scaled so they add up to spec.Bytes, and unique increasing IDs.
func layout(spec Spec) ([]string, []int) {
	rng := rand.New(rand.NewPCG(spec.Seed, 0x6c61796f7574))
	weights := make([]float64, spec.Docs)
	total := 0.0
	for i := range weights {
		weights[i] = math.Exp(rng.NormFloat64() * 1.1)
		total += weights[i]
	}
	names := make([]string, spec.Docs)
	sizes := make([]int, spec.Docs)
	id := 5000
	for i := range names {
		id += 1 + rng.IntN(400)
		names[i] = fmt.Sprintf("%d.%s.%d.%s.%s.xml", id, genders[rng.IntN(2)], 13+rng.IntN(36),
			industries[rng.IntN(len(industries))], signs[rng.IntN(len(signs))])
		sizes[i] = max(200, int(float64(spec.Bytes)*weights[i]/total))
	}
	return names, sizes
}

// writeDoc writes document i of about size bytes. Its randomness comes from
// (seed, i) alone, so documents can be written in any order, in parallel.
func writeDoc(buf *bytes.Buffer, seed uint64, i, size int) {
	rng := rand.New(rand.NewPCG(seed, uint64(i)+1))
	zipf := rand.NewZipf(rng, zipfS, zipfV, vocabSize-1)
	eol := "\n"
	if rng.IntN(10) == 0 {
		eol = "\r\n"
	}
	latin1 := rng.IntN(20) == 0
	start := buf.Len()
	buf.WriteString("<Blog>" + eol + eol)
	for buf.Len()-start < size {
		fmt.Fprintf(buf, "<date>%d,%s,%d</date>%s<post>%s%s      ", 1+rng.IntN(28), months[rng.IntN(12)], 1999+rng.IntN(6), eol, eol, eol)
		postEnd := buf.Len() + 300 + rng.IntN(4000)
		for sentence := 0; buf.Len() < postEnd && buf.Len()-start < size; sentence++ {
			words := 4 + rng.IntN(18)
			for w := range words {
				if w > 0 {
					buf.WriteByte(' ')
				}
				writeWord(buf, rng, zipf.Uint64(), w == 0, latin1)
				switch rng.IntN(60) {
				case 0:
					buf.WriteString(",")
				case 1:
					buf.WriteString(" &")
				case 2:
					buf.WriteString(" &amp;")
				case 3:
					buf.WriteString("&nbsp;")
				case 4:
					buf.WriteString(" <3")
				case 5:
					buf.WriteString(" urlLink")
				}
			}
			buf.WriteString(". ")
			if rng.IntN(8) == 0 {
				buf.WriteString(eol + eol + "      ")
			}
		}
		buf.WriteString(eol + eol + "</post>" + eol + eol + eol)
	}
	buf.WriteString("</Blog>" + eol)
}

func writeWord(buf *bytes.Buffer, rng *rand.Rand, rank uint64, capital, latin1 bool) {
	w := Word(rank)
	switch {
	case rng.IntN(200) == 0:
		w = strings.ToUpper(w)
	case capital:
		w = strings.ToUpper(w[:1]) + w[1:]
	}
	if accented(rank) {
		if i := strings.LastIndexAny(w, "eE"); i >= 0 {
			buf.WriteString(w[:i])
			switch {
			case latin1 && w[i] == 'e':
				buf.WriteByte(0xE9)
			case latin1:
				buf.WriteByte(0xC9)
			case w[i] == 'e':
				buf.WriteString("é")
			default:
				buf.WriteString("É")
			}
			buf.WriteString(w[i+1:])
			return
		}
	}
	buf.WriteString(w)
}

// Mix names a kind of query.
type Mix string

// The query mixes of the benchmarks and the load test.
const (
	Rare   Mix = "rare"   // 1-2 rare words: few or no results
	Common Mix = "common" // 2-3 of the most frequent words: results in most documents
	Mixed  Mix = "mixed"  // a common, a mid-frequency and sometimes a rare word
)

// Mixes lists every mix.
var Mixes = []Mix{Rare, Common, Mixed}

// Queries returns n queries of a mix, as space-separated words.
func Queries(mix Mix, n int, seed uint64) ([]string, error) {
	if n < 1 {
		return nil, fmt.Errorf("want at least 1 query, got %d", n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x717565727900))
	pick := func(r [2]uint64) string { return Display(r[0] + rng.Uint64N(r[1]-r[0])) }
	out := make([]string, n)
	for i := range out {
		var words []string
		switch mix {
		case Rare:
			words = []string{pick(RareRanks)}
			if rng.IntN(2) == 0 {
				words = append(words, pick(RareRanks))
			}
		case Common:
			words = []string{pick(CommonRanks), pick(CommonRanks)}
			if rng.IntN(2) == 0 {
				words = append(words, pick(CommonRanks))
			}
		case Mixed:
			words = []string{pick(CommonRanks), pick(MidRanks)}
			if rng.IntN(3) == 0 {
				words = append(words, pick(RareRanks))
			}
		default:
			return nil, fmt.Errorf("unknown query mix %q: use rare, common or mixed", mix)
		}
		out[i] = strings.Join(words, " ")
	}
	return out, nil
}

// Escape returns q as the value of a URL's q parameter.
func Escape(q string) string {
	if !utf8.ValidString(q) {
		panic("synth: query is not UTF-8")
	}
	return url.QueryEscape(q)
}
