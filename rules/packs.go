package rules

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/xunjian/xunjian/finding"
)

//go:embed packs/*.txt
var builtinPacks embed.FS

// Word categories and their default severities.
var categorySeverity = map[string]finding.Severity{
	"gambling":  finding.High,
	"porn":      finding.High,
	"violence":  finding.High,
	"political": finding.Critical,
	"spam":      finding.Medium,
	"custom":    finding.Medium,
}

// WordEntry is one sensitive word.
type WordEntry struct {
	Word     string
	Category string
	Severity finding.Severity
	Pack     string
	Line     int
}

// TypoEntry is one wrong form with its correction. Serious entries are
// 严重表述错误 (country name, forbidden formulations, leaders' names).
type TypoEntry struct {
	Wrong, Right string
	// After and Before, when set, must match the text right after or
	// before the wrong form for it to count (截止 before a date is 截至).
	After, Before *regexp.Regexp
	Severity      finding.Severity
	Serious       bool
	Pack          string
	Line          int
}

// Packs are the loaded rule packs.
type Packs struct {
	Words []WordEntry
	Typos []TypoEntry
}

// Content configures the content checks (sensitive-word, typo, privacy).
type Content struct {
	// Builtin loads the embedded packs (rules/packs/*.txt).
	Builtin bool `yaml:"builtin_packs"`
	// WordPacks, TypoPacks and SeriousPacks are user files in the formats
	// of the built-in packs.
	WordPacks    []string `yaml:"word_packs"`
	TypoPacks    []string `yaml:"typo_packs"`
	SeriousPacks []string `yaml:"serious_packs"`
	Allow        Allow    `yaml:"allow"`
	// ContextChars is how much text is quoted on each side of a match.
	ContextChars int `yaml:"context_chars"`
	// Attachments downloads linked attachments and checks their text.
	Attachments bool `yaml:"attachments"`
	// MaxAttachmentBytes caps one attachment's download.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
}

// Allow keeps reviewed findings from coming back every day.
type Allow struct {
	// Phrases: a match inside one of these phrases is not reported
	// ("打击网络赌博" reports a crackdown, not gambling).
	Phrases []string `yaml:"phrases"`
	// Pages: URL patterns (* matches anything) whose content is not checked.
	Pages []string `yaml:"pages"`
}

// LoadPacks loads the built-in packs (if enabled), the config's packs and
// extra word and typo files from the command line.
func (c Content) LoadPacks(extraWords, extraTypos []string) (*Packs, error) {
	p := &Packs{}
	if c.Builtin {
		for _, f := range []struct {
			name    string
			words   bool
			serious bool
		}{{"words.txt", true, false}, {"typos.txt", false, false}, {"serious.txt", false, true}} {
			data, err := builtinPacks.ReadFile("packs/" + f.name)
			if err != nil {
				return nil, err
			}
			if err := p.load("builtin:"+f.name, bytes.NewReader(data), f.words, f.serious); err != nil {
				return nil, err
			}
		}
	}
	files := []struct {
		paths          []string
		words, serious bool
	}{
		{append(append([]string{}, c.WordPacks...), extraWords...), true, false},
		{append(append([]string{}, c.TypoPacks...), extraTypos...), false, false},
		{c.SeriousPacks, false, true},
	}
	for _, set := range files {
		for _, path := range set.paths {
			f, err := os.Open(path)
			if err != nil {
				return nil, fmt.Errorf("rule pack: %w", err)
			}
			err = p.load(filepath.Base(path), f, set.words, set.serious)
			f.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// load reads one pack: a word pack (word[TAB category[TAB severity]]) or a
// typo pack (wrong TAB right [TAB after=RE|before=RE] [TAB severity]).
func (p *Packs) load(name string, r io.Reader, words, serious bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r ")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		where := fmt.Sprintf("rule pack %s line %d", name, line)
		if words {
			e := WordEntry{Word: fields[0], Category: "custom", Pack: name, Line: line}
			if len(fields) > 1 && fields[1] != "" {
				e.Category = fields[1]
			}
			sev, ok := categorySeverity[e.Category]
			if !ok {
				sev = finding.Medium
			}
			e.Severity = sev
			if len(fields) > 2 {
				s, err := finding.ParseSeverity(fields[2])
				if err != nil {
					return fmt.Errorf("%s: %w", where, err)
				}
				e.Severity = s
			}
			if len(fields) > 3 {
				return fmt.Errorf("%s: want word<TAB>category<TAB>severity, got %d fields", where, len(fields))
			}
			if len([]rune(e.Word)) > 64 {
				return fmt.Errorf("%s: word longer than 64 characters", where)
			}
			p.Words = append(p.Words, e)
			continue
		}
		if len(fields) < 2 || fields[0] == "" || fields[1] == "" {
			return fmt.Errorf("%s: want wrong<TAB>right, got %q", where, text)
		}
		if fields[0] == fields[1] {
			return fmt.Errorf("%s: wrong and right are the same (%q)", where, fields[0])
		}
		e := TypoEntry{Wrong: fields[0], Right: fields[1], Serious: serious, Pack: name, Line: line, Severity: finding.Medium}
		if serious {
			e.Severity = finding.Critical
		}
		for _, f := range fields[2:] {
			switch {
			case strings.HasPrefix(f, "after="), strings.HasPrefix(f, "before="):
				k, v, _ := strings.Cut(f, "=")
				re, err := regexp.Compile(v)
				if err != nil {
					return fmt.Errorf("%s: %s: %w", where, k, err)
				}
				if k == "after" {
					e.After = re
				} else {
					e.Before = re
				}
			default:
				s, err := finding.ParseSeverity(f)
				if err != nil {
					return fmt.Errorf("%s: %q is neither after=, before= nor a severity", where, f)
				}
				e.Severity = s
			}
		}
		p.Typos = append(p.Typos, e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("rule pack %s: %w", name, err)
	}
	return nil
}

// PageAllowed reports whether url matches one of the allow-list page patterns.
func (a Allow) PageAllowed(url string) bool {
	for _, p := range a.Pages {
		if globMatch(p, url) {
			return true
		}
	}
	return false
}

// globMatch matches s against a pattern where * stands for any run of characters.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return true
}
