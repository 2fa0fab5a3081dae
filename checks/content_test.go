package checks

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/pii"
)

var validID = "53262719900101123" + string(pii.CheckChar("53262719900101123"))

func contentChecks(t *testing.T, extraWords, extraTypos []string) map[string]Check {
	t.Helper()
	cfg := config.Default()
	packs, err := cfg.Content.LoadPacks(extraWords, extraTypos)
	if err != nil {
		t.Fatal(err)
	}
	list, err := Build([]string{"sensitive-word", "typo", "privacy"}, Deps{
		Config: cfg, Packs: packs, Now: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Check{}
	for _, c := range list {
		out[c.Name()] = c
	}
	return out
}

func textFindings(c Check, text string, attachment bool) []finding.Finding {
	return c.(TextReader).Text(context.Background(), &Document{URL: "http://x.gov.cn/a.html", Attachment: attachment,
		Segments: []extract.Segment{{Where: "body", Text: text}}})
}

func summary(fs []finding.Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Kind+":"+f.Match+":"+string(f.Severity))
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func TestContentChecks(t *testing.T) {
	dir := t.TempDir()
	words := filepath.Join(dir, "words.txt")
	os.WriteFile(words, []byte("# 自定义\n某某违禁品\tcustom\thigh\n"), 0o644)
	typos := filepath.Join(dir, "typos.txt")
	os.WriteFile(typos, []byte("示列县\t示例县\n"), 0o644)
	cs := contentChecks(t, []string{words}, []string{typos})
	for _, tc := range []struct {
		name, check, text, want string
	}{
		{"gambling", "sensitive-word", "欢迎访问澳门博彩官方网站", "gambling:澳门博彩:high"},
		{"split-by-spaces", "sensitive-word", "点击进入澳 门 博 彩", "gambling:澳 门 博 彩:high"},
		{"split-by-stars", "sensitive-word", "澳*门*博*彩注册", "gambling:澳*门*博*彩:high"},
		{"traditional", "sensitive-word", "澳門博彩", "gambling:澳門博彩:high"},
		{"full-width-ascii", "sensitive-word", "ＣＡＳＩＮＯ ONLINE", "gambling:ＣＡＳＩＮＯ:high"},
		{"user-pack-word", "sensitive-word", "出售某某违禁品", "custom:某某违禁品:high"},
		{"allow-phrase-decoy", "sensitive-word", "公安机关开展打击网赌专项行动", ""},
		{"ascii-inside-word-decoy", "sensitive-word", "casinos? Essex casinoroyale", ""},
		{"typo", "typo", "按装路灯", "typo:按装:medium"},
		{"typo-context", "typo", "截止2026年11月底，全县完成", "typo:截止:medium"},
		{"typo-context-decoy", "typo", "报名截止日期为12月1日", ""},
		{"user-typo", "typo", "示列县人民政府", "typo:示列县:medium"},
		{"serious", "typo", "中华人民共合国成立七十七周年", "serious:中华人民共合国:critical"},
		{"correct-country-name-decoy", "typo", "中华人民共和国", ""},
		{"privacy-id", "privacy", "张三 " + validID + " 低保", "id-card:" + pii.MaskID(validID) + ":high"},
		{"privacy-mobile", "privacy", "联系人：李四 13812345678", "mobile:138****5678:medium"},
		{"privacy-masked-decoy", "privacy", "532627********1234 138****5678", ""},
		{"privacy-landline-uscc-decoy", "privacy", "电话 0876-7623373 统一社会信用代码 11530000015100123X", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := textFindings(cs[tc.check], tc.text, false)
			if got := summary(fs); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			for _, f := range fs {
				if f.Check != tc.check || f.Message == "" || f.Evidence == "" || f.Page != "http://x.gov.cn/a.html" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

func TestContentFindingDetails(t *testing.T) {
	cs := contentChecks(t, nil, nil)
	fs := textFindings(cs["typo"], strings.Repeat("前文", 20)+"按装路灯"+strings.Repeat("后文", 20), false)
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[0]
	if f.Message != "疑似错别字：按装，应为：安装" || f.Certainty != finding.Suspected {
		t.Errorf("message %q certainty %s", f.Message, f.Certainty)
	}
	if !strings.Contains(f.Evidence, "【按装】") || !strings.HasPrefix(f.Evidence, "正文：…") || !strings.HasSuffix(f.Evidence, "…") {
		t.Errorf("evidence %q", f.Evidence)
	}
	if f.Details["rule"] != "builtin:typos.txt:8" && !strings.HasPrefix(f.Details["rule"].(string), "builtin:typos.txt:") {
		t.Errorf("rule %v", f.Details["rule"])
	}

	// Repeats in one document are one finding with a count.
	fs = textFindings(cs["sensitive-word"], "澳门博彩 澳门博彩 澳门博彩", false)
	if len(fs) != 1 || fs[0].Details["count"] != 3 {
		t.Errorf("repeats: %+v", fs)
	}
	// Attachments name themselves as the target.
	fs = textFindings(cs["privacy"], "王五 13912345678", true)
	if len(fs) != 1 || fs[0].Target != "http://x.gov.cn/a.html" || !strings.HasPrefix(fs[0].Message, "附件中") {
		t.Errorf("attachment finding %+v", fs)
	}
}

// TestPrivacyNeverRepublishes checks that no field of a privacy finding
// holds the full value, whatever surrounds it.
func TestPrivacyNeverRepublishes(t *testing.T) {
	cs := contentChecks(t, nil, nil)
	id := validID
	text := "低保名单：张三 " + id + " 李四 13812345678 王五 13912345678 卡号 6222021001123456784"
	for _, f := range textFindings(cs["privacy"], text, false) {
		for _, field := range []string{f.Match, f.Message, f.Evidence, f.Page, f.Target} {
			for _, secret := range []string{id, "13812345678", "13912345678", "6222021001123456784"} {
				if strings.Contains(field, secret) {
					t.Errorf("finding republishes %s: %q", secret, field)
				}
			}
		}
	}
	// The typo and sensitive-word quotes mask personal data too.
	for _, f := range textFindings(cs["sensitive-word"], "澳门博彩 客服 13812345678", false) {
		if strings.Contains(f.Evidence, "13812345678") {
			t.Errorf("quote republishes a mobile number: %q", f.Evidence)
		}
	}
}
