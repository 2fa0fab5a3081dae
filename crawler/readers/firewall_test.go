package readers

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecogniseFirewall(t *testing.T) {
	file := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "firewall", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ordinary := file("ordinary.html")
	tests := []struct {
		name         string
		status       int
		header       http.Header
		body         []byte
		vendor, kind string // "" vendor and kind: not a firewall page
		evidence     string // one evidence item that must be present
	}{
		{"ruishu-412", 412, http.Header{"Set-Cookie": {"Qk7rZ2aWp1xT80S=60abc; path=/; HttpOnly"}}, file("ruishu-412.html"), "ruishu", "challenge", "Cookie Qk7rZ2aWp1xT80S"},
		{"ruishu-at-200", 200, http.Header{}, file("ruishu-412.html"), "ruishu", "challenge", "$_ts 挑战脚本"},
		{"ruishu-412-minified-without-ts-name", 412, http.Header{}, []byte(`<meta content="x" r='m'><script r='m'>_$a();</script><script src="/a.js" r='m'></script>`), "ruishu", "challenge", "HTTP 412"},
		{"jiasule-521", 521, http.Header{"Set-Cookie": {"__jsluid_s=0f3c2a; max-age=31536000; path=/; HttpOnly"}}, file("jiasule-521.html"), "jiasule", "challenge", "Cookie __jsluid_s"},
		{"jiasule-512-variant", 512, http.Header{"Set-Cookie": {"__jsluid_h=77aa; path=/"}}, []byte(`<script>document.cookie='x';location.reload()</script>`), "jiasule", "challenge", "HTTP 512"},
		{"jiasule-second-pass", 521, http.Header{"Set-Cookie": {"__jsluid_s=1"}}, []byte(`<script>;go({"bts":["1|0|a","b"],"chars":"xyz","ct":"ab12","ha":"sha1","tn":"__jsl_clearance_s","vt":"3600","wt":"1500"})</script>`), "jiasule", "challenge", "HTTP 521"},
		{"safedog-block", 200, http.Header{"Set-Cookie": {"safedog-flow-item=ABC; path=/"}}, file("safedog.html"), "safedog", "block", "Cookie safedog-flow-item"},
		{"yunsuo-block", 403, http.Header{}, file("yunsuo.html"), "yunsuo", "block", "云锁页面标记"},
		{"yunsuo-verify", 200, http.Header{"Set-Cookie": {"yunsuo_session_verify=9a8b; path=/"}}, []byte(`<script>self.location = "/index.html?security_verify_data=313932302c31303830";</script>`), "yunsuo", "challenge", "Cookie yunsuo_session_verify"},
		{"wangzhanbao-493", 493, http.Header{}, []byte(`<html>blocked</html>`), "wangzhanbao", "block", "HTTP 493"},
		{"aliyun-405", 405, http.Header{}, []byte(`<img src="https://errors.aliyun.com/images/TB1.png">Sorry, your request has been blocked`), "aliyun", "block", "HTTP 405"},
		{"rate-limit-429", 429, http.Header{"Retry-After": {"30"}}, []byte("Too Many Requests"), "", "rate-limit", "Retry-After: 30"},
		{"rate-limit-503", 503, http.Header{"Retry-After": {"5"}}, nil, "", "rate-limit", "HTTP 503"},
		// Decoys: a real 404 on a site behind a firewall (its cookies and
		// Server header come with every answer), an ordinary page that sets
		// a cookie, a 503 without Retry-After, a page mentioning 防火墙.
		{"real-404-behind-firewalls", 404, http.Header{"Server": {"Safedog"}, "Set-Cookie": {"__jsluid_s=1", "safedog-flow-item=2", "HWWAFSESID=3", "yunsuo_session=4"}}, ordinary, "", "", ""},
		{"ordinary-200", 200, http.Header{"Set-Cookie": {"JSESSIONID=1"}}, ordinary, "", "", ""},
		{"server-error-503", 503, http.Header{}, []byte("Service Unavailable"), "", "", ""},
		{"cloudflare-521-origin-down", 521, http.Header{"Server": {"cloudflare"}}, []byte("<title>Web server is down</title>"), "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fw := RecogniseFirewall(tc.status, tc.header, tc.body)
			if tc.kind == "" {
				if fw != nil {
					t.Fatalf("recognised %+v", fw)
				}
				return
			}
			if fw == nil {
				t.Fatal("not recognised")
			}
			if fw.Vendor != tc.vendor || fw.Kind != tc.kind || fw.Name == "" || fw.Reason == "" {
				t.Errorf("got %+v, want vendor %q kind %q", fw, tc.vendor, tc.kind)
			}
			if !strings.Contains(strings.Join(fw.Evidence, "|"), tc.evidence) {
				t.Errorf("evidence %q lacks %q", fw.Evidence, tc.evidence)
			}
		})
	}
}

func FuzzFirewall(f *testing.F) {
	for _, s := range []string{"$_ts=window['$_ts'];", "('_')+('_')+('j')+('s')+('l')", "yunsuologo", "<meta r='m'><script r=m>"} {
		f.Add(412, "__jsluid_s=1", s)
		f.Add(200, "", s)
	}
	f.Fuzz(func(t *testing.T, status int, cookie, body string) {
		fw := RecogniseFirewall(status, http.Header{"Set-Cookie": {cookie}, "Retry-After": {cookie}}, []byte(body))
		if fw != nil && (fw.Kind == "" || fw.Reason == "" || fw.Name == "") {
			t.Fatalf("incomplete verdict %+v", fw)
		}
	})
}
