package checks_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/inspect"
)

// Real material, measured locally: nothing fetched is committed, so these
// tests read it from paths given by environment variables and are skipped
// without them (see README, "Real text: figures", for the public sources
// and how to fetch them).
//
//	XUNJIAN_REAL_DOCS   directory of real government documents (.txt .html
//	                    .docx .doc .pdf .xlsx .xls .csv), read as `xunjian
//	                    scan DIR` reads them
//	XUNJIAN_REAL_SPAM   file of real injected-spam strings, one a line
//	                    (text[<TAB>category[<TAB>source]]; # comments)
//	XUNJIAN_REAL_WORDS  glob of a real sensitive-word lexicon, loaded on top
//	                    of the built-in packs as a user would (--words)
//	XUNJIAN_REAL_TYPOS  glob of a real typo list (--typos)
//	XUNJIAN_REAL_OUT    optional: write every medium-or-worse finding as TSV
//
// With -v every medium-or-worse finding is printed with its evidence. The
// built-in packs must stay within the targets on the documents
// (≤ 1 medium-or-worse finding per 100) and the spam (≥ 90% caught, ≥ 85%
// of evasion variants); with a third-party lexicon the figures are printed
// only.

const (
	envDocs  = "XUNJIAN_REAL_DOCS"
	envSpam  = "XUNJIAN_REAL_SPAM"
	envWords = "XUNJIAN_REAL_WORDS"
	envTypos = "XUNJIAN_REAL_TYPOS"
	envOut   = "XUNJIAN_REAL_OUT"
)

// realSetups are the configurations measured: the built-in packs alone,
// then with the user's lexicon and typo list loaded on top.
func realSetups(t *testing.T) []realSetup {
	setups := []realSetup{{name: "built-in packs"}}
	words, _ := filepath.Glob(os.Getenv(envWords))
	typos, _ := filepath.Glob(os.Getenv(envTypos))
	if os.Getenv(envWords) != "" && len(words) == 0 {
		t.Fatalf("%s=%q matches no file", envWords, os.Getenv(envWords))
	}
	if os.Getenv(envTypos) != "" && len(typos) == 0 {
		t.Fatalf("%s=%q matches no file", envTypos, os.Getenv(envTypos))
	}
	if len(words) > 0 {
		setups = append(setups, realSetup{name: fmt.Sprintf("built-in + %d lexicon files", len(words)), words: words})
	}
	if len(typos) > 0 {
		setups = append(setups, realSetup{name: fmt.Sprintf("built-in + %d typo lists", len(typos)), typos: typos})
	}
	return setups
}

type realSetup struct {
	name         string
	words, typos []string
}

func (s realSetup) options() inspect.Options {
	cfg := config.Default()
	cfg.Checks.Enabled = []string{"sensitive-word", "typo", "privacy"}
	return inspect.Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now,
		ExtraWords: s.words, ExtraTypos: s.typos}
}

func medium(f finding.Finding) bool { return f.Severity.Rank() >= finding.Medium.Rank() }

// class names a finding's kind of false alarm: check/kind (a word's
// category, typo or serious, a kind of personal data).
func class(f finding.Finding) string { return f.Check + "/" + f.Kind }

func TestRealDocuments(t *testing.T) {
	dir := os.Getenv(envDocs)
	if dir == "" {
		t.Skipf("%s is not set: no local real documents to measure (see README, \"Real text: figures\")", envDocs)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatalf("%s=%s holds no files", envDocs, dir)
	}
	var out *os.File
	if p := os.Getenv(envOut); p != "" {
		var err error
		if out, err = os.Create(p); err != nil {
			t.Fatal(err)
		}
		defer out.Close()
	}
	ex := extract.NewEngine(extract.Config{}) // in this process: the files are ours
	defer ex.Close()
	for _, s := range realSetups(t) {
		o := s.options()
		o.Extractor = ex
		start := time.Now()
		rep, err := inspect.Scan(context.Background(), o, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		byClass := map[string]int{}
		lower := map[string]int{} // info and low, by class
		byDoc := map[string]int{}
		unreadable := 0
		var bad []finding.Finding
		for _, f := range rep.Findings {
			if f.Kind == "attachment-unreadable" {
				unreadable++
				t.Logf("%s: unreadable: %s: %s", s.name, f.Page, f.Message)
			}
			if !medium(f) {
				lower[class(f)+"/"+string(f.Severity)]++
				continue
			}
			bad = append(bad, f)
			byClass[class(f)]++
			byDoc[f.Page]++
			if testing.Verbose() {
				t.Logf("%s: %s: %s %s (%v): %s | %s", s.name, docName(f.Page), f.Severity, f.Check, f.Details["rule"], f.Message, f.Evidence)
			}
			if out != nil {
				fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\t%v\t%s\t%s\n", s.name, docName(f.Page), f.Severity, class(f), f.Match, f.Details["rule"], f.Message, f.Evidence)
			}
		}
		n := rep.Stats.Pages
		per100 := float64(len(bad)) * 100 / float64(max(n, 1))
		t.Logf("%s: %d real documents (%d unreadable), %d medium-or-worse findings in %d documents = %.2f per 100 documents; by class: %s; %.1f s",
			s.name, n, unreadable, len(bad), len(byDoc), per100, classes(byClass), time.Since(start).Seconds())
		t.Logf("%s: below medium (reported, ranked low or as mentions): %s", s.name, classes(lower))
		if len(rep.CheckErrors) > 0 {
			t.Errorf("%s: check errors: %v", s.name, rep.CheckErrors)
		}
		if s.words == nil && s.typos == nil && per100 > 1 {
			t.Errorf("built-in packs: %.2f medium-or-worse findings per 100 real documents, target ≤ 1", per100)
		}
	}
}

// docName is a finding's file name, unescaped.
func docName(page string) string {
	if u, err := url.Parse(page); err == nil {
		return path.Base(u.Path)
	}
	return page
}

// classes prints a class count map, largest first.
func classes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, m[k])
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

type realSpam struct{ text, category string }

func readRealSpam(t *testing.T, path string) []realSpam {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []realSpam
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, rest, _ := strings.Cut(line, "\t")
		cat, _, _ := strings.Cut(rest, "\t")
		if cat == "" {
			cat = "-"
		}
		if !seen[text] {
			seen[text] = true
			out = append(out, realSpam{text, cat})
		}
	}
	return out
}

func TestRealSpam(t *testing.T) {
	path := os.Getenv(envSpam)
	if path == "" {
		t.Skipf("%s is not set: no local real spam strings to measure (see README, \"Real text: figures\")", envSpam)
	}
	spam := readRealSpam(t, path)
	if len(spam) == 0 {
		t.Fatalf("%s=%s holds no strings", envSpam, path)
	}
	for _, s := range realSetups(t) {
		if s.typos != nil {
			continue // typo lists do not catch spam
		}
		list, err := inspect.Build(s.options())
		if err != nil {
			t.Fatal(err)
		}
		var words checks.TextReader
		for _, c := range checks.TextReaders(list) {
			if c.Name() == "sensitive-word" {
				words = c
			}
		}
		caught := func(text string) bool {
			doc := &checks.Document{URL: "http://x.gov.cn/a.html", Segments: []extract.Segment{{Where: "body", Text: text}}}
			return slices.ContainsFunc(words.Text(context.Background(), doc), medium)
		}
		hit := 0
		byCat := map[string][2]int{}
		var evTotal, evHit int
		byKind := map[string][2]int{}
		for _, sp := range spam {
			c := byCat[sp.category]
			c[1]++
			ok := caught(sp.text)
			if ok {
				hit++
				c[0]++
			} else if testing.Verbose() {
				t.Logf("%s: missed (%s): %s", s.name, sp.category, sp.text)
			}
			byCat[sp.category] = c
			if !ok {
				continue // evasion recall is measured on what the plain form catches
			}
			for kind, v := range checks.Evasions(sp.text) {
				k := byKind[kind]
				k[1]++
				evTotal++
				if caught(v) {
					evHit++
					k[0]++
				} else if testing.Verbose() {
					t.Logf("%s: evasion missed (%s): %s", s.name, kind, v)
				}
				byKind[kind] = k
			}
		}
		recall := 100 * float64(hit) / float64(len(spam))
		ev := 100 * float64(evHit) / float64(max(evTotal, 1))
		t.Logf("%s: %d real spam strings, caught %d (%.1f%%); by category (caught/all): %v", s.name, len(spam), hit, recall, byCat)
		t.Logf("%s: %d evasion variants of the caught strings, caught %d (%.1f%%); by kind: %v", s.name, evTotal, evHit, ev, byKind)
		if s.words == nil && (recall < 90 || ev < 85) {
			t.Errorf("built-in packs: spam recall %.1f%% (target ≥ 90%%), evasion recall %.1f%% (target ≥ 85%%)", recall, ev)
		}
	}
}
