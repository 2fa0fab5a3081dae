package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/finding"
)

func TestBuiltinPacks(t *testing.T) {
	p, err := Content{Builtin: true}.LoadPacks(nil, nil)
	if err != nil {
		t.Fatal(err)
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
		{"w1.txt", "赌博\tgambling\tsevere\n", true, "line 1: unknown severity"},
		{"w2.txt", "# c\n\n赌博\tgambling\thigh\textra\n", true, "line 3: unknown flag \"extra\""},
		{"w3.txt", "赌博\tgambling\thigh\tweak\tx\n", true, "line 1: want word<TAB>category<TAB>severity<TAB>flags"},
		{"w4.txt", "\n# only comments\n", true, "no entries"},
		{"t1.txt", "按装\n", false, "line 1: want wrong<TAB>right"},
		{"t2.txt", "按装\t按装\n", false, "wrong and right are the same"},
		{"t3.txt", "截止\t截至\tafter=[\n", false, "line 1: after:"},
		{"t4.txt", "截止\t截至\tsoon\n", false, "neither after=, before=, historical, a frequency nor a severity"},
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
