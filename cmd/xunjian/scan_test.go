package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestScanURLsAndFiles: scan counts the requests it sends for URLs (one
// per redirect hop), and its privacy fix tells the editor to mask a local
// file before publishing it, but to take down a document already online.
func TestScanURLsAndFiles(t *testing.T) {
	const list = "困难群众临时救助名单\n张某 联系电话 13812345678\n"
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		switch r.URL.Path {
		case "/old.txt":
			http.Redirect(w, r, "/list.txt", http.StatusFound)
		case "/list.txt":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(list))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	local := filepath.Join(t.TempDir(), "名单.txt")
	if err := os.WriteFile(local, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	e, stdout, errb := testEnv()
	code := run(context.Background(), []string{"scan", "--format", "html", "-o", out, srv.URL + "/old.txt", srv.URL + "/list.txt", local}, e)
	if code != exitOK { // medium findings, below the default fail_on
		t.Fatalf("exit %d, stderr %s\n%s", code, errb, stdout)
	}
	if n := served.Load(); n != 3 {
		t.Fatalf("server answered %d requests, want 3 (redirect, target, target)", n)
	}
	if s := stdout.String(); !strings.Contains(s, "请求 3\n") {
		t.Errorf("summary does not count the 3 requests:\n%s", s)
	}
	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	h := string(html)
	if got := strings.Count(h, "发布前删除或打码遮盖"); got != 1 {
		t.Errorf("the local file's fix says 发布前删除或打码遮盖 %d times in the report, want 1", got)
	}
	if got := strings.Count(h, "，打码后重新发布"); got != 2 || !strings.Contains(h, "撤下该") {
		t.Errorf("the downloaded documents' fix says 撤下…打码后重新发布 %d times in the report, want 2", got)
	}
}
