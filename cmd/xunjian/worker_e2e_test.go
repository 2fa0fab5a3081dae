package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/fixtures"
	"github.com/xunjian/xunjian/internal/race"
	"github.com/xunjian/xunjian/sampleportal"
)

// TestScanCraftedFilesWithBinary runs the real binary (whose attachment
// parsing happens in `xunjian extract-worker` children) on a directory of
// the red-team's crafted files next to an ordinary list: every crafted
// file is one attachment finding, the list's ID number is still found,
// the run ends in bounded time, and no worker outlives it.
func TestScanCraftedFilesWithBinary(t *testing.T) {
	if testing.Short() || race.Enabled {
		t.Skip("builds the binary and files of hundreds of megabytes (inflated); .ci/run runs it without -race")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "xunjian")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	docs := filepath.Join(dir, "docs")
	os.Mkdir(docs, 0o755)
	id := sampleportal.IDNumbers[0]
	files := map[string][]byte{
		"名单.xls":      fixtures.XLS([][]string{{"姓名", "身份证号"}, {"赵某", id}}),
		"坏链.xls":      fixtures.XLSPastFAT(),
		"巨表.xls":      fixtures.XLSHugeSST(),
		"环链.et":       fixtures.XLSCyclicChain(),
		"重复片段.doc":    fixtures.DocRepeatedPiece(1<<20, 1000),
		"压缩炸弹.pdf":    fixtures.PDFFlateBomb(128 << 20),
		"共享内容.pdf":    fixtures.PDFSharedStream(500, 1<<20),
		"压缩炸弹.docx":   fixtures.ZipBomb(210 << 20),
		"大共享字符串.xlsx": fixtures.XLSXHugeSharedStrings(190 << 20),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(docs, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "scan", "--quiet", "--format", "json", "-o", out, docs)
	start := time.Now()
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && (!errorsAs(err, &ee) || ee.ExitCode() != exitFindings) {
		t.Fatalf("scan: %v\n%s", err, b)
	}
	t.Logf("scan of %d files in %v", len(files), time.Since(start).Round(time.Millisecond))
	raw, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep finding.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	byFile := map[string][]string{}
	for _, f := range rep.Findings {
		name, _ := url.PathUnescape(path.Base(f.Page))
		byFile[name] = append(byFile[name], f.Check+"/"+f.Kind)
	}
	for name := range files {
		got := byFile[name]
		if name == "名单.xls" {
			if !strings.Contains(strings.Join(got, " "), "privacy/id-card") {
				t.Errorf("%s: %v, want the ID number found", name, got)
			}
			continue
		}
		n := 0
		for _, k := range got {
			if strings.HasPrefix(k, "attachment/") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %v, want one attachment finding", name, got)
		}
	}
	if strings.Contains(string(raw), id) {
		t.Error("report republishes the ID number")
	}
	if left := workersOf(bin); len(left) > 0 {
		t.Errorf("extract-worker processes outlive the scan: %v", left)
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*target = e
	return ok
}

// workersOf lists the PIDs of running `bin extract-worker` processes.
func workersOf(bin string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 1 && args[0] == bin && args[1] == "extract-worker" {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
