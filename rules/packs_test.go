package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
)

func TestBuiltinPacks(t *testing.T) {
	p, err := Content{Builtin: true}.LoadPacks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) > 0 {
		t.Errorf("built-in packs load with warnings: %q", p.Warnings)
	}
	cats := map[string]int{}
	for _, w := range p.Words {
		cats[w.Category]++
	}
	if cats["gambling"] < 20 || cats["porn"] < 5 || cats["fraud"] < 3 || cats["game"] < 3 || cats["seo"] < 3 || cats["cult"] < 3 {
		t.Errorf("built-in words by category: %v", cats)
	}
	var serious, withContext int
	for _, e := range p.Typos {
		if e.Serious {
			serious++
			if e.Severity != finding.Critical {
				t.Errorf("serious entry %s not critical", e.Wrong)
			}
		}
		if e.After != nil {
			withContext++
		}
	}
	if serious < 10 || withContext < 1 || len(p.Typos)-serious < 30 {
		t.Errorf("typos %d, serious %d, with context %d", len(p.Typos), serious, withContext)
	}
}

func TestPackErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body string
		words      bool
		err        string
	}{
		{"w1.txt", "赌博\tgambling\tsevere\n", true, "第 1 行：“severe”不是严重程度"},
		{"w2.txt", "# c\n\n赌博\tgambling\thigh\textra\n", true, "第 3 行：没有“extra”这个标记"},
		{"w3.txt", "赌博\tgambling\thigh\tweak\tx\n", true, "第 1 行：应为 词<TAB>类别<TAB>严重程度<TAB>标记"},
		{"w4.txt", "\n# only comments\n", true, "没有任何条目"},
		{"t1.txt", "按装\n", false, "第 1 行：应为 错误写法<TAB>正确写法"},
		{"t2.txt", "按装\t按装\n", false, "错误写法与正确写法相同"},
		{"t3.txt", "截止\t截至\tafter=[\n", false, "第 1 行：after= 的正则表达式无效"},
		{"t4.txt", "截止\t截至\tsoon\n", false, "“soon”不是 after=、before=、historical、词频，也不是严重程度"},
	} {
		path := filepath.Join(dir, tc.name)
		os.WriteFile(path, []byte(tc.body), 0o644)
		c := Content{}
		if tc.words {
			c.WordPacks = []string{path}
		} else {
			c.TypoPacks = []string{path}
		}
		_, err := c.LoadPacks(nil, nil)
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: err %v, want %q naming the file", tc.name, err, tc.err)
		}
	}
	_, err := Content{WordPacks: []string{filepath.Join(dir, "missing.txt")}}.LoadPacks(nil, nil)
	if err == nil {
		t.Error("missing pack accepted")
	}
}

func TestPackEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(path, []byte("\ufeff截止\t截至\tafter=^\\d{4}年\thigh\n其它\t其他\tbefore=[\\p{Han}]$\n"), 0o644)
	p, err := Content{}.LoadPacks(nil, []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Typos) != 2 || p.Typos[0].Severity != finding.High || !p.Typos[0].After.MatchString("2026年") || p.Typos[1].Before == nil {
		t.Errorf("entries %+v", p.Typos)
	}
	if p.Typos[0].Pack != "t.txt" || p.Typos[0].Line != 1 {
		t.Errorf("pack/line %s:%d", p.Typos[0].Pack, p.Typos[0].Line)
	}
}

func TestAllowPages(t *testing.T) {
	a := Allow{Pages: []string{"http://x.gov.cn/archive/*", "*/print.html", "http://x.gov.cn/exact"}}
	for url, want := range map[string]bool{
		"http://x.gov.cn/archive/2019/a.html": true,
		"http://x.gov.cn/a/print.html":        true,
		"http://x.gov.cn/exact":               true,
		"http://x.gov.cn/exact/more":          false,
		"http://x.gov.cn/news/a.html":         false,
	} {
		if a.PageAllowed(url) != want {
			t.Errorf("PageAllowed(%s) = %v", url, !want)
		}
	}
}

// Bad pack input: every case loads or fails with the file and line named,
// never a crash or a silent empty pack.
func TestBadPackInput(t *testing.T) {
	dir := t.TempDir()
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("澳门博彩\tgambling\n六合彩\n"))
	var big strings.Builder
	for i := range 500_000 {
		fmt.Fprintf(&big, "词%06d条\n", i)
	}
	for _, tc := range []struct {
		name, body string
		words      int
		warn       string // a warning that must be given
		err        string
	}{
		{name: "bom-crlf.txt", body: "\ufeff澳门博彩\tgambling\r\n\r\n六合彩\tgambling\r\n", words: 2},
		{name: "gbk.txt", body: string(gbk), words: 2, warn: "规则包 gbk.txt 不是 UTF-8，已按 GBK（GB18030）读取"},
		{name: "dups.txt", body: "澳门博彩\n\n\n澳門博彩\n", words: 1, warn: "dups.txt 第 4 行：“澳門博彩”与第 1 行重复"},
		{name: "single.txt", body: "赌\n赌\tgambling\thigh\tsingle\n澳门博彩\n", words: 2, warn: "single.txt 第 1 行：单字词“赌”已跳过"},
		{name: "long.txt", body: strings.Repeat("长", 70) + "\n澳门博彩\n", words: 1, warn: "long.txt 第 1 行：词长超过 64 个字"},
		{name: "empty.txt", body: "# nothing\n\n", err: "empty.txt 没有任何条目"},
		{name: "utf16.txt", body: "\xff\xfe\x00\x00\x81", err: "utf16.txt 是 UTF-16 编码"},
		{name: "binary.txt", body: "澳门博彩\n\x00\x01\x02", err: "binary.txt 第 2 行：含 NUL 字节"},
		{name: "big.txt", body: big.String(), words: 500_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			os.WriteFile(path, []byte(tc.body), 0o644)
			p, err := Content{WordPacks: []string{path}}.LoadPacks(nil, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Words) != tc.words {
				t.Errorf("%d words, want %d (warnings %q)", len(p.Words), tc.words, p.Warnings)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(p.Warnings, "\n"), tc.warn) {
				t.Errorf("warnings %q lack %q", p.Warnings, tc.warn)
			}
			if tc.name == "big.txt" {
				words := make([]string, len(p.Words))
				for i, w := range p.Words {
					words[i] = w.Word
				}
				m, err := match.Build(words)
				if err != nil {
					t.Fatal(err)
				}
				if got := m.FindAll([]byte("见词123456条")); len(got) != 1 {
					t.Errorf("500k-word matcher found %v", got)
				}
			}
		})
	}
}

// The typo-list formats people have: pycorrector's wrong<TAB>right<TAB>freq
// and space-separated pairs; a wrong form that folds to its correction is
// skipped with a warning.
func TestTypoListFormats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "confusion.txt")
	os.WriteFile(path, []byte("#变体\t本体\t词频\n兴高彩列\t兴高采烈\t100\n称做 称作 100\n泄药\t泻药\n蔘加\t参加\n微·信\t微信\t1000\n"), 0o644)
	p, err := Content{}.LoadPacks(nil, []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Typos) != 3 || p.Typos[0].Frequency != 100 || p.Typos[1].Wrong != "称做" || p.Typos[1].Frequency != 100 {
		t.Errorf("typos %+v", p.Typos)
	}
	w := strings.Join(p.Warnings, "\n")
	if !strings.Contains(w, "第 5 行：“蔘加”规范化后就是其正确写法“参加”") || !strings.Contains(w, "第 6 行：“微·信”规范化后") {
		t.Errorf("warnings %q", w)
	}
}
