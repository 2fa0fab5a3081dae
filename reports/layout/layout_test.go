package layout

import (
	"errors"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config/section"
)

func TestSiteDir(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://www.Example.gov.cn/", "www.example.gov.cn"},
		{"http://127.0.0.1:8080/", "127.0.0.1_8080"},
		{"http://[::1]:80/", "__1_80"},
		{"http://../", "site"},
	} {
		if got := SiteDir(tc.in); got != tc.want {
			t.Errorf("SiteDir(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormats(t *testing.T) {
	if got := strings.Join(Formats(), ","); got != "json,html,xlsx" {
		t.Errorf("formats %s", got)
	}
	for format, want := range map[string]string{"json": "report.json", "html": "report.html", "xlsx": "ledger.xlsx"} {
		if got, ok := File(format); !ok || got != want {
			t.Errorf("File(%q) = %q, %v; want %q", format, got, ok, want)
		}
	}
	if _, ok := File("pdf"); ok {
		t.Error("pdf is a format")
	}
}

func TestValidate(t *testing.T) {
	scenarios := []struct {
		name string
		cfg  Config
		want []string // problems, each as its key and message
	}{
		{"defaults", Config{Formats: []string{"json", "html", "xlsx"}, FailOn: "high", MaxFindingsPerCheck: 1000}, nil},
		{"no formats", Config{FailOn: "info", MaxFindingsPerCheck: 10}, nil},
		{"unknown format", Config{Formats: []string{"json", "pdf"}, FailOn: "high", MaxFindingsPerCheck: 1000},
			[]string{"formats[1]：没有“pdf”这种报告格式（可用：json, html, xlsx）"}},
		{"unknown severity", Config{FailOn: "urgent", MaxFindingsPerCheck: 1000},
			[]string{"fail_on：“urgent”不是严重程度"}},
		{"too few findings", Config{FailOn: "high", MaxFindingsPerCheck: 9},
			[]string{"max_findings_per_check：应在 10 到 100000 之间，现为 9"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			p := section.NewProblems()
			sc.cfg.Validate(p)
			err := p.Err()
			if len(sc.want) == 0 {
				if err != nil {
					t.Fatalf("problems: %v", err)
				}
				return
			}
			if !errors.Is(err, section.ErrInvalidValue) {
				t.Fatalf("error %v, want ErrInvalidValue", err)
			}
			for _, w := range sc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
