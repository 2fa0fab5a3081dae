package rules

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/internal/benchtext"
	"github.com/xunjian/xunjian/match"
)

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

func shippedWords(tb testing.TB, extra ...string) ([]string, match.Options) {
	tb.Helper()
	p, err := Content{Builtin: true}.LoadPacks(extra, nil)
	if err != nil {
		tb.Fatal(err)
	}
	words := make([]string, len(p.Words))
	weak := make([]bool, len(p.Words))
	for i, w := range p.Words {
		words[i], weak[i] = w.Word, w.Weak
	}
	match.Words().Has("") // the boundary lexicon is parsed once per process, not per match
	return words, match.Options{Words: match.Words(), Unbounded: weak}
}

// corpus is 10 MB of shuffled sentences of the regression set's
// government documents or, with XUNJIAN_REAL_DOCS set, of the real
// documents there (its .txt files; see checks/realdocs_test.go).
func corpus(tb testing.TB) []byte {
	tb.Helper()
	var raw []string
	if dir := os.Getenv("XUNJIAN_REAL_DOCS"); dir != "" {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".txt") {
				if s, err := readFile(p); err == nil {
					raw = append(raw, s)
				}
			}
			return nil
		})
		if len(raw) == 0 {
			tb.Fatalf("XUNJIAN_REAL_DOCS=%s holds no .txt files", dir)
		}
	} else {
		s, err := readFile("../testdata/realtext/clean.txt")
		if err != nil {
			tb.Fatal(err)
		}
		raw = append(raw, s)
	}
	var sents []string
	for _, doc := range raw {
		for _, line := range strings.Split(doc, "\n") {
			if strings.HasPrefix(line, "===") {
				continue
			}
			for _, s := range strings.SplitAfter(line, "。") {
				if s != "" {
					sents = append(sents, s)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < 10<<20 {
		b.WriteString(sents[rng.IntN(len(sents))])
		if rng.IntN(8) == 0 {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

// BenchmarkShippedPacks matches the full built-in word pack (with its
// generated variants) over 10 MB of government text, with the options the
// sensitive-word check uses (noise skipping, boundary checks of short
// matches), through FindAll.
func BenchmarkShippedPacks(b *testing.B) {
	words, opts := shippedWords(b)
	text := corpus(b)
	m, err := match.BuildWith(words, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := benchtext.StartCPU()
	for b.Loop() {
		m.FindAll(text)
	}
	cpu.Report(b, int64(len(text)))
}

// BenchmarkShippedPacksWithLexicon: the built-in packs with a user's
// lexicon loaded on top (XUNJIAN_REAL_WORDS, a glob; skipped without it),
// as the sensitive-word check matches them.
func BenchmarkShippedPacksWithLexicon(b *testing.B) {
	files, _ := filepath.Glob(os.Getenv("XUNJIAN_REAL_WORDS"))
	if len(files) == 0 {
		b.Skip("XUNJIAN_REAL_WORDS is not set: no lexicon to load on top")
	}
	words, opts := shippedWords(b, files...)
	text := corpus(b)
	m, err := match.BuildWith(words, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(words)), "words")
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := benchtext.StartCPU()
	for b.Loop() {
		m.FindAll(text)
	}
	cpu.Report(b, int64(len(text)))
}

// BenchmarkShippedPacksSpam is the same over text where every line carries
// injected spam (the worst case for the boundary and judgement work).
func BenchmarkShippedPacksSpam(b *testing.B) {
	words, opts := shippedWords(b)
	text := corpus(b)
	spam := []string{"澳门新葡京8455官网开户", "国产精品一区二区_久久精品", "网贷口子无视征信秒下款", "传奇私服新开发布网"}
	lines := strings.Split(string(text), "\n")
	for i := range lines {
		lines[i] += spam[i%len(spam)]
	}
	text = []byte(strings.Join(lines, "\n"))
	m, err := match.BuildWith(words, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := benchtext.StartCPU()
	for b.Loop() {
		m.FindAll(text)
	}
	cpu.Report(b, int64(len(text)))
}

// BenchmarkShippedBuild: loading the built-in packs cold (parsing, the
// generated variants) and building their automaton, per op — what a
// process pays once. The boundary lexicon is parsed before (once per
// process, BenchmarkLexiconLoad in match).
func BenchmarkShippedBuild(b *testing.B) {
	match.Words().Has("")
	for b.Loop() {
		p, err := loadBuiltin()
		if err != nil {
			b.Fatal(err)
		}
		words := make([]string, len(p.Words))
		weak := make([]bool, len(p.Words))
		for i, w := range p.Words {
			words[i], weak[i] = w.Word, w.Weak
		}
		if _, err := match.BuildWith(words, match.Options{Words: match.Words(), Unbounded: weak}); err != nil {
			b.Fatal(err)
		}
	}
}
