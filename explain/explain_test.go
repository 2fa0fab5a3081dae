package explain_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/explain"
)

// realErrors produces the errors users met in reports, from real
// operations on loopback, so the test follows Go's wording if it changes.
func realErrors(t *testing.T) map[string]error {
	t.Helper()
	out := map[string]error{}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	_, out["refused"] = http.Get("http://" + closed + "/")

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	c := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}}
	_, out["header-timeout"] = c.Get(slow.URL)
	c = &http.Client{Timeout: 50 * time.Millisecond}
	_, out["client-timeout"] = c.Get(slow.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, slow.URL, nil)
	_, out["deadline"] = http.DefaultTransport.RoundTrip(req)

	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	_, out["unknown-authority"] = http.Get(tlsSrv.URL)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	_, out["not-tls"] = http.Get(strings.Replace(plain.URL, "http://", "https://", 1))

	_, out["zip"] = zip.NewReader(bytes.NewReader([]byte("not a zip at all, just bytes")), 28)
	_, out["missing-file"] = os.ReadFile(filepath.Join(t.TempDir(), "nope.txt"))
	out["dns"] = &net.DNSError{Err: "no such host", Name: "www.example.gov.cn", IsNotFound: true}
	out["private"] = fmt.Errorf("dial www.example.gov.cn (10.0.0.1): %w", errors.New("address is private, loopback or link-local"))
	out["redirect-loop"] = fmt.Errorf("Get %q: %w", "http://a/", fmt.Errorf("%w: back to %s", errors.New("redirect loop"), "http://a/"))
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	req, _ = http.NewRequestWithContext(cctx, http.MethodGet, plain.URL, nil)
	_, out["canceled"] = http.DefaultClient.Do(req)
	return out
}

func TestRealErrorsInChinese(t *testing.T) {
	want := map[string]string{
		"refused":           "连接被拒绝",
		"header-timeout":    "等待响应头超时",
		"client-timeout":    "请求超时",
		"deadline":          "请求超时",
		"unknown-authority": "证书不受信任",
		"not-tls":           "不提供 HTTPS",
		"zip":               "不是有效的 zip 容器",
		"missing-file":      "文件或目录不存在",
		"dns":               "域名无法解析",
		"private":           "内网",
		"redirect-loop":     "重定向循环",
		"canceled":          "巡检被中断",
	}
	errs := realErrors(t)
	for name, sub := range want {
		t.Run(name, func(t *testing.T) {
			err := errs[name]
			if err == nil {
				t.Fatal("the operation did not fail")
			}
			got := explain.Error(err)
			if !strings.Contains(got, sub) {
				t.Errorf("Error(%q) = %q, want it to say %q", err, got, sub)
			}
			if got != explain.Text(err.Error()) && name != "canceled" && name != "deadline" {
				t.Errorf("Error and Text disagree on %q: %q vs %q", err, got, explain.Text(err.Error()))
			}
			for _, r := range got {
				if r < 0x80 && r != ' ' && r != '.' && !(r >= 'A' && r <= 'Z') && !(r >= '0' && r <= '9') && !strings.ContainsRune("xlsdocpfzihtSDNPTL", r) {
					t.Errorf("description %q keeps technical text (%q)", got, r)
					break
				}
			}
			if !explain.Known(err.Error()) {
				t.Errorf("Known(%q) = false", err)
			}
		})
	}
}

func TestTextKeepsChineseAndSaysSomething(t *testing.T) {
	if got := explain.Text("文件已加密"); got != "文件已加密" {
		t.Errorf("a Chinese text = %q, want it kept", got)
	}
	if got := explain.Text("frobnicator exploded"); !strings.Contains(got, "发生错误") {
		t.Errorf("an unknown text = %q, want 发生错误", got)
	}
	if explain.Text("") != "" || explain.Error(nil) != "" {
		t.Error("nothing to explain must give nothing")
	}
	if got := explain.Text("Get \"http://a/thereof\": EOF"); !strings.Contains(got, "提前关闭") {
		t.Errorf("EOF = %q", got)
	}
	if explain.Canceled(errors.New("deadline")) || !explain.Canceled(context.Canceled) || !explain.Canceled(errors.New("render: context canceled")) {
		t.Error("Canceled misjudges")
	}
}
