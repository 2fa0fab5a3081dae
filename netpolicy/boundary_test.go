package netpolicy

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// adHoc are the ways to make an outbound request or connection without
// the policy. Tests may use them (httptest clients); product code outside
// this package may not.
var adHoc = regexp.MustCompile(`http\.DefaultClient|http\.DefaultTransport|(&|\b)http\.Client\{|new\(http\.Client\)|http\.Transport\{|new\(http\.Transport\)|` +
	`\bhttp\.(Get|Head|Post|PostForm)\(|http\.NewRequest\(|smtp\.SendMail\(|\bnet\.Dial(Timeout)?\(|\bnet\.Dialer\b|tls\.Dial\(`)

// offenders lists the lines of the Go files under root, outside this
// package and tests, that make requests without the policy.
func offenders(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "netpolicy", "testdata", "vendor":
				return filepath.SkipDir
			}
			if strings.HasPrefix(d.Name(), ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if c := strings.Index(line, "//"); c >= 0 {
				line = line[:c]
			}
			if adHoc.MatchString(line) {
				rel, _ := filepath.Rel(root, path)
				out = append(out, rel+":"+strconv.Itoa(i+1)+": "+strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNoAdHocClients: every outbound request of the product goes through
// this package (issue 9: no http.DefaultClient, no http.Client{} elsewhere,
// every request with a context).
func TestNoAdHocClients(t *testing.T) {
	if got := offenders(t, ".."); len(got) > 0 {
		t.Errorf("outbound requests outside netpolicy:\n%s", strings.Join(got, "\n"))
	}
}

// TestBoundaryPatterns: the pattern finds each way around the policy (so
// the test above can fail) and leaves the policy's own usage alone.
func TestBoundaryPatterns(t *testing.T) {
	for _, bad := range []string{
		`resp, err := http.DefaultClient.Do(req)`, `c := &http.Client{Timeout: t}`, `c := http.Client{}`,
		`tr := &http.Transport{DialContext: d}`, `http.Get(u)`, `http.Post(u, "", nil)`, `req, _ := http.NewRequest("GET", u, nil)`,
		`smtp.SendMail(addr, a, f, to, m)`, `net.Dial("tcp", a)`, `d := &net.Dialer{}`, `var d net.Dialer`, `http.DefaultTransport.RoundTrip(r)`,
	} {
		if !adHoc.MatchString(bad) {
			t.Errorf("not caught: %s", bad)
		}
	}
	for _, good := range []string{
		`client := pol.Client(netpolicy.Stylesheet)`, `req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)`,
		`client *http.Client`, `func (p *Policy) Client(purpose Purpose) *http.Client {`, `conn, err := netpolicy.Dial(ctx, e.addr, t)`,
	} {
		if adHoc.MatchString(good) {
			t.Errorf("false alarm: %s", good)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.go"), []byte("package x\nvar c = &http.Client{}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad_test.go"), []byte("package x\nvar c = &http.Client{}\n"), 0o644)
	if got := offenders(t, dir); len(got) != 1 || !strings.HasPrefix(got[0], "bad.go:2:") {
		t.Errorf("offenders in a planted tree: %v", got)
	}
}
