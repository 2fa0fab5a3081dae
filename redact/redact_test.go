package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/pii"
)

// Synthesised values: a valid ID (check character computed), a mobile in
// an allocated segment, a Luhn-valid UnionPay number.
var (
	id     = "11010519491231002" + string(pii.CheckChar("11010519491231002"))
	mobile = "13912345678"
	bank   = luhnComplete("622202100112345678")
)

func luhnComplete(first string) string {
	for d := '0'; d <= '9'; d++ {
		if pii.Luhn(first + string(d)) {
			return first + string(d)
		}
	}
	panic("no check digit")
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestText(t *testing.T) {
	m := New(nil)
	for _, tc := range []struct{ name, in string }{
		{"anchor", "张三 " + id + " 的申请"},
		{"url-path", "http://x.gov.cn/files/" + id + ".xls"},
		{"url-query", "http://x.gov.cn/q?phone=" + mobile + "&a=1"},
		{"glued-to-letters", "http://x.gov.cn/u" + id + "x.html"},
		{"full-width", "联系电话" + fullWidth(mobile)},
		{"percent-encoded-full-width", "http://x.gov.cn/" + url.PathEscape(fullWidth(id)) + ".html"},
		{"percent-encoded-ascii", "http://x.gov.cn/%31%33%39%31%32%33%34%35%36%37%38"},
		{"bad-escape-beside", "http://x.gov.cn/%zz/" + url.PathEscape("名单"+fullWidth(mobile))},
		{"sheet-name-in-error", `读取失败：工作表 "` + id + `" 损坏`},
		{"zip-entry", "名单/" + mobile + ".txt: zip: not a valid zip file"},
		{"bank-in-query", "http://x.gov.cn/a?account=" + bank},
		{"mobile-grouped", "手机 139-1234-5678"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := m.Text(tc.in)
			for _, v := range []string{id, mobile, bank, fullWidth(id), fullWidth(mobile), "1234-5678"} {
				if strings.Contains(got, v) || strings.Contains(strings.ReplaceAll(got, "-", ""), mobile) {
					t.Errorf("Text(%q) = %q: still holds %s", tc.in, got, v)
				}
			}
			if !strings.Contains(got, "****") {
				t.Errorf("Text(%q) = %q: nothing masked", tc.in, got)
			}
		})
	}
	for _, keep := range []string{"http://x.gov.cn/art/2024/3/12/art_1234_567890.html", "苏政办发〔2024〕12号", "电话 0871-64123456", "138****5678"} {
		if got := m.Text(keep); got != keep {
			t.Errorf("Text(%q) = %q; want unchanged", keep, got)
		}
	}
}

type probe struct {
	URL   string
	Count int
}

func TestReport(t *testing.T) {
	rep := &finding.Report{
		Site:       "http://x.gov.cn/",
		Incomplete: []string{"附件 " + id + ".xls 无法读取"},
		CheckErrors: map[string]string{
			"privacy": "sheet " + mobile + ": corrupt",
		},
		Findings: []finding.Finding{{
			Check: "broken-link", Page: "http://x.gov.cn/list?uid=" + id, Target: "http://x.gov.cn/" + mobile + ".pdf",
			Anchor: "下载" + mobile, Message: "链接 " + id, Evidence: "最终地址：http://x.gov.cn/?m=" + mobile,
			Details: map[string]any{"pages": []string{"http://x.gov.cn/" + id}, "n": 3, "nested": map[string]any{"alt": fullWidth(id)}},
		}},
		Measurements: map[string]any{
			"external-link": []map[string]any{{"domain": "a.com", "pages": []string{"http://x.gov.cn/?p=" + mobile}}},
			"typed":         []probe{{URL: "http://x.gov.cn/" + id, Count: 2}},
			"clean":         []probe{{URL: "http://x.gov.cn/", Count: 1}},
			"skipped":       map[string]int{"trap " + mobile: 2},
		},
	}
	New(nil).Report(rep)
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(rep); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{id, mobile, fullWidth(id)} {
		if bytes.Contains(buf.Bytes(), []byte(v)) {
			t.Errorf("report JSON still holds %s:\n%s", v, buf.String())
		}
	}
	if _, ok := rep.Measurements["clean"].([]probe); !ok {
		t.Errorf("a typed measurement without personal data changed type: %T", rep.Measurements["clean"])
	}
	if rep.Findings[0].Details["n"] != 3 {
		t.Errorf("numbers in details changed: %v", rep.Findings[0].Details["n"])
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := New(nil).Logger(slog.New(slog.NewTextHandler(&buf, nil)))
	log.With("page", "http://x.gov.cn/"+id).Warn("parse "+mobile, "err", errors.New("open "+id+".xls"), "url", &url.URL{Scheme: "http", Host: "x", Path: "/" + mobile},
		slog.Group("g", "v", fullWidth(mobile)), "d", time.Second)
	for _, v := range []string{id, mobile, fullWidth(mobile)} {
		if strings.Contains(buf.String(), v) {
			t.Errorf("log still holds %s: %s", v, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "d=1s") {
		t.Errorf("other attributes changed: %s", buf.String())
	}
}
