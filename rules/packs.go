package rules

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
)

//go:embed packs/*.txt
var builtinPacks embed.FS

// Word categories and their default severities. The defaults aim at what
// hacked government pages carry: gambling, porn, fraud and loan spam, game
// private servers, SEO spam, weapons and drugs for sale, and the slogans and
// recruitment text of cults and reactionary propaganda. Names of leaders and
// bare political topics (a cult's name in a notice against it, 台独 in a
// policy text) are what government text must discuss: "political" entries
// are reported as info only.
var categorySeverity = map[string]finding.Severity{
	"gambling":    finding.High,
	"porn":        finding.High,
	"fraud":       finding.High,
	"violence":    finding.High,
	"game":        finding.Medium,
	"seo":         finding.Medium,
	"spam":        finding.Medium,
	"cult":        finding.Critical,
	"reactionary": finding.Critical,
	"political":   finding.Info,
	"custom":      finding.Medium,
}

// CategorySeverity returns the default severity of a word category.
func CategorySeverity(category string) finding.Severity {
	if s, ok := categorySeverity[category]; ok {
		return s
	}
	return finding.Medium
}

// WordEntry is one sensitive word.
type WordEntry struct {
	Word     string
	Category string
	Severity finding.Severity
	// Weak words (国产精品, 一区二区, a casino brand) count only beside
	// another word of their category in the same line, or, for Brand
	// words, followed by a site code (新葡京8455, 金沙js35).
	Weak, Brand bool
	// Base is the pack entry a generated variant comes from ("" for pack
	// entries), Variant how it was made (pinyin, latin, homophone, reversed).
	Base, Variant string
	Pack          string
	Line          int
}

// TypoEntry is one wrong form with its correction. Serious entries are
// 严重表述错误 (country name, forbidden formulations, leaders' names).
type TypoEntry struct {
	Wrong, Right string
	// After and Before, when set, must match the text right after or
	// before the wrong form for it to count (截止 before a date is 截至).
	After, Before *regexp.Regexp
	Severity      finding.Severity
	// Ranked: the pack gave the severity (the list's author vouches for it).
	Ranked  bool
	Serious bool
	// Historical forms were normal usage once (南朝鲜 before 1992): in an
	// archival document they rank low instead of as a veto.
	Historical bool
	// Frequency is the list's own weight for the pair (pycorrector's third
	// column), 0 when not given.
	Frequency int
	Pack      string
	Line      int
}

// Packs are the loaded rule packs.
type Packs struct {
	Words []WordEntry
	Typos []TypoEntry
	// Warnings name the file and line of entries that were skipped or read
	// in a way the author may not expect (duplicates, one-character words,
	// a GBK file). Loading goes on; `xunjian rules check` prints them.
	Warnings []string
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
	// Extract bounds the worker processes that read attachments.
	Extract Extract `yaml:"extract"`
}

// Allow keeps reviewed findings from coming back every day.
type Allow struct {
	// Phrases: a match inside one of these phrases is not reported
	// ("打击网络赌博" reports a crackdown, not gambling).
	Phrases []string `yaml:"phrases"`
	// Pages: URL patterns (* matches anything) whose content is not checked.
	Pages []string `yaml:"pages"`
}

// packKind tells the loader what a file holds.
type packKind int

const (
	wordPack packKind = iota
	typoPack
	seriousPack
)

// builtinFiles are the embedded packs, in load order.
var builtinFiles = []struct {
	name string
	kind packKind
}{
	{"words.txt", wordPack}, {"typos.txt", typoPack}, {"serious.txt", seriousPack},
}

// maxPackBytes caps one pack file (a 500,000-word list is about 6 MB).
const maxPackBytes = 64 << 20

// LoadPacks loads the built-in packs (if enabled), the config's packs and
// extra word and typo files from the command line. The built-in word pack
// also gets its generated variants (pinyin, Latin mixing, homophones,
// reversed text).
func (c Content) LoadPacks(extraWords, extraTypos []string) (*Packs, error) {
	p := &Packs{}
	if c.Builtin {
		b, err := builtin()
		if err != nil {
			return nil, err
		}
		// Shared with the built-in packs, capacity clipped so that a
		// file loaded on top appends to a copy (the packs are never
		// changed in place): a clone per load kept 2.5 MB more alive.
		p.Words = slices.Clip(b.Words)
		p.Typos = slices.Clip(b.Typos)
		p.Warnings = slices.Clip(b.Warnings)
	}
	files := []struct {
		paths []string
		kind  packKind
	}{
		{append(append([]string{}, c.WordPacks...), extraWords...), wordPack},
		{append(append([]string{}, c.TypoPacks...), extraTypos...), typoPack},
		{c.SeriousPacks, seriousPack},
	}
	for _, set := range files {
		for _, path := range set.paths {
			data, err := readPack(path)
			if err != nil {
				return nil, err
			}
			if err := p.load(filepath.Base(path), data, set.kind, builtinSpam()); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// builtin parses the embedded packs and generates their variants once per
// process (about 0.2 s; they never change).
var builtin = sync.OnceValues(loadBuiltin)

func loadBuiltin() (*Packs, error) {
	p := &Packs{}
	for _, f := range builtinFiles {
		data, err := builtinPacks.ReadFile("packs/" + f.name)
		if err != nil {
			return nil, err
		}
		if err := p.load("builtin:"+f.name, data, f.kind, nil); err != nil {
			return nil, err
		}
	}
	p.Words = append(p.Words, Variants(p.Words)...)
	return p, nil
}

func readPack(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("无法读取规则包 %s：%s（%w）", path, explain.Error(err), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPackBytes+1))
	if err != nil {
		return nil, fmt.Errorf("无法读取规则包 %s：%s（%w）", filepath.Base(path), explain.Error(err), err)
	}
	if len(data) > maxPackBytes {
		return nil, fmt.Errorf("规则包 %s 超过 %d MB", filepath.Base(path), maxPackBytes>>20)
	}
	return data, nil
}

// load reads one pack: a word pack (word[TAB category[TAB severity]][TAB
// flags], or just one word a line) or a typo pack (wrong TAB right [TAB
// after=RE|before=RE|severity|frequency|historical]...; pycorrector's
// `wrong<TAB>right<TAB>frequency` and space-separated pairs are read too).
// A UTF-8 BOM, CRLF line ends and GBK/GB18030 files are accepted; a line
// {a|b}{c|d} expands to every combination.
func (p *Packs) load(name string, data []byte, kind packKind, spam *spamKnowledge) error {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return fmt.Errorf("规则包 %s 是 UTF-16 编码：请另存为 UTF-8（或 GBK）", name)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fmt.Errorf("规则包 %s 第 %d 行：含 NUL 字节，既不是 UTF-8 也不是 GBK 文本", name, bytes.Count(data[:i], []byte("\n"))+1)
	}
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(dec) {
			return fmt.Errorf("规则包 %s 既不是 UTF-8 也不是 GBK 文本", name)
		}
		p.Warnings = append(p.Warnings, fmt.Sprintf("规则包 %s 不是 UTF-8，已按 GBK（GB18030）读取", name))
		data = dec
	}
	before := len(p.Words) + len(p.Typos)
	seen := map[string]int{}
	for _, e := range p.Words {
		if e.Base == "" {
			seen[match.FoldString(e.Word)] = -1
		}
	}
	for _, e := range p.Typos {
		seen[match.FoldString(e.Wrong)] = -1
	}
	line, candidates, ordinary, inherited := 0, 0, 0, 0
	builtin := strings.HasPrefix(name, "builtin:")
	for rest := string(data); rest != ""; {
		text := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			text, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		line++
		text = strings.TrimRight(text, "\r ")
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		where := fmt.Sprintf("规则包 %s 第 %d 行", name, line)
		candidates++
		fields := strings.Split(text, "\t")
		if len(fields) == 1 && kind != wordPack {
			fields = strings.Fields(text) // "wrong right [frequency]", space separated
		}
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if kind == wordPack {
			entries, err := wordEntries(fields, where)
			if err != nil {
				return err
			}
			for _, e := range entries {
				e.Pack, e.Line = name, line
				key := match.FoldString(e.Word)
				if first, dup := seen[key]; dup {
					p.warnDuplicate(where, e.Word, first)
					continue
				}
				if utf8.RuneCountInString(key) > match.MaxWordRunes {
					p.Warnings = append(p.Warnings, fmt.Sprintf("%s：词长超过 %d 个字，已跳过", where, match.MaxWordRunes))
					continue
				}
				if utf8.RuneCountInString(key) < 2 && !e.single {
					p.Warnings = append(p.Warnings, fmt.Sprintf("%s：单字词“%s”已跳过（要保留，请在该行加标记 single）", where, e.Word))
					continue
				}
				if !builtin {
					switch rankUserWord(&e, spam) {
					case userNumber:
						p.Warnings = append(p.Warnings, fmt.Sprintf("%s：“%s”只是数字或日期，统计数字里处处都有，已跳过", where, e.Word))
						continue
					case userOrdinary:
						ordinary++
					case userInherits:
						inherited++
					}
				}
				seen[key] = line
				p.Words = append(p.Words, e.WordEntry)
			}
			continue
		}
		e, err := typoEntry(fields, text, where, kind == seriousPack)
		if err != nil {
			return err
		}
		e.Pack, e.Line = name, line
		if match.Squeeze(e.Wrong) == match.Squeeze(e.Right) {
			// 蔘加 -> 参加: text is folded before matching, so the wrong form
			// would be found in correct text.
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s：“%s”规范化后就是其正确写法“%s”（繁体或异体字），会在正确的文字中误报，已跳过", where, e.Wrong, e.Right))
			continue
		}
		key := match.FoldString(e.Wrong)
		if first, dup := seen[key]; dup {
			p.warnDuplicate(where, e.Wrong, first)
			continue
		}
		seen[key] = line
		p.Typos = append(p.Typos, e)
	}
	if ordinary > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("规则包 %s：%d 条是普通词语或短语（人民、招聘、有关部门、国家安全…）或不超过 3 个字母的拉丁词，按“低”报告；要提高请在该行写明严重程度", name, ordinary))
	}
	if inherited > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("规则包 %s：%d 条没有类别的词含内置词（澳门博彩网址 → 澳门博彩），沿用该内置词的类别和严重程度", name, inherited))
	}
	switch added := len(p.Words) + len(p.Typos) - before; {
	case candidates == 0:
		return fmt.Errorf("规则包 %s 没有任何条目（共读了 %d 行）", name, line)
	case added == 0:
		p.Warnings = append(p.Warnings, fmt.Sprintf("规则包 %s 的 %d 条全部被跳过（见上面的警告）", name, candidates))
	}
	return nil
}

func (p *Packs) warnDuplicate(where, word string, first int) {
	if first > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s：“%s”与第 %d 行重复，已跳过", where, word, first))
	} else {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s：“%s”已在前面的规则包中，已跳过", where, word))
	}
}

type parsedWord struct {
	WordEntry
	single, severity bool // flag single; severity given explicitly
	category         bool // category given explicitly
}

// wordEntries parses word[TAB category][TAB severity][TAB flags] (flags:
// comma-separated weak, brand, single), expanding {a|b} groups.
func wordEntries(fields []string, where string) ([]parsedWord, error) {
	if len(fields) > 4 {
		return nil, fmt.Errorf("%s：应为 词<TAB>类别<TAB>严重程度<TAB>标记，这一行有 %d 列", where, len(fields))
	}
	base := parsedWord{WordEntry: WordEntry{Category: "custom"}}
	if len(fields) > 1 && fields[1] != "" {
		base.Category, base.category = fields[1], true
	}
	base.Severity = CategorySeverity(base.Category)
	for _, f := range fields[min(2, len(fields)):] {
		if f == "" {
			continue
		}
		if s, err := finding.ParseSeverity(f); err == nil {
			base.Severity, base.severity = s, true
			continue
		}
		for _, flag := range strings.Split(f, ",") {
			switch strings.TrimSpace(flag) {
			case "weak":
				base.Weak = true
			case "brand":
				base.Weak, base.Brand = true, true
			case "single":
				base.single = true
			default:
				if len(fields) == 3 {
					_, err := finding.ParseSeverity(f)
					return nil, fmt.Errorf("%s：%w", where, err)
				}
				return nil, fmt.Errorf("%s：没有“%s”这个标记（可用：weak、brand、single）", where, flag)
			}
		}
	}
	words, err := expand(fields[0])
	if err != nil {
		return nil, fmt.Errorf("%s：%w", where, err)
	}
	var out []parsedWord
	for _, w := range words {
		e := base
		e.Word = w
		out = append(out, e)
	}
	return out, nil
}

// expand turns {a|b}x{c|d} into axc, axd, bxc, bxd (at most 10,000 words).
// Groups without | are other lists' markers: a gap 办{10}证 ("up to 10
// characters between", as some lexicons write it) and tags like {MOD} are
// dropped, so the words are matched next to each other.
func expand(s string) ([]string, error) {
	out := []string{""}
	for s != "" {
		i := strings.IndexByte(s, '{')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(s[i:], '}')
		}
		if i < 0 || j < 0 { // no group, or an unclosed { read as text
			for k := range out {
				out[k] += s
			}
			break
		}
		alts := strings.Split(s[i+1:i+j], "|")
		if len(alts) == 1 {
			alts = []string{""} // a marker: 办{10}证, 代办证件{MOD}
		}
		var next []string
		for _, o := range out {
			for _, a := range alts {
				next = append(next, o+s[:i]+a)
			}
		}
		if len(next) > 10000 {
			return nil, fmt.Errorf("“%s”展开后超过 10,000 个词", s)
		}
		out, s = next, s[i+j+1:]
	}
	return out, nil
}

// typoEntry parses wrong TAB right and its options.
func typoEntry(fields []string, text, where string, serious bool) (TypoEntry, error) {
	if len(fields) < 2 || fields[0] == "" || fields[1] == "" {
		return TypoEntry{}, fmt.Errorf("%s：应为 错误写法<TAB>正确写法，这一行是“%s”", where, text)
	}
	if fields[0] == fields[1] {
		return TypoEntry{}, fmt.Errorf("%s：错误写法与正确写法相同（“%s”）", where, fields[0])
	}
	e := TypoEntry{Wrong: fields[0], Right: fields[1], Serious: serious, Severity: finding.Medium}
	if serious {
		e.Severity = finding.Critical
	}
	for _, f := range fields[2:] {
		switch {
		case f == "":
		case strings.HasPrefix(f, "after="), strings.HasPrefix(f, "before="):
			k, v, _ := strings.Cut(f, "=")
			re, err := regexp.Compile(v)
			if err != nil {
				return e, fmt.Errorf("%s：%s= 的正则表达式无效（%w）", where, k, err)
			}
			if k == "after" {
				e.After = re
			} else {
				e.Before = re
			}
		case f == "historical":
			e.Historical = true
		default:
			if n, err := strconv.Atoi(f); err == nil && n >= 0 {
				e.Frequency = n
				continue
			}
			s, err := finding.ParseSeverity(f)
			if err != nil {
				return e, fmt.Errorf("%s：“%s”不是 after=、before=、historical、词频，也不是严重程度", where, f)
			}
			e.Severity, e.Ranked = s, true
		}
	}
	return e, nil
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
