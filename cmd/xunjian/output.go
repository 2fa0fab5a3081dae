package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/reports"
)

// errOutput marks a failure to write where the user asked: checked before
// a run starts, so that an hour of crawling is not lost at the end.
var errOutput = errors.New("output not writable")

// outputError says in Chinese which output location cannot be written and
// why, with the flag or key that names it.
type outputError struct {
	dir, what string
	err       error
}

func (o outputError) Error() string {
	return fmt.Sprintf("无法写入%s %s：%s（%v）；请换一个可写的目录，或修改其权限", o.what, o.dir, explain.Error(o.err), o.err)
}

func (o outputError) Unwrap() []error { return []error{errOutput, o.err} }

// checkWritable creates dir if needed and proves a file can be written in
// it; what names the location for the message ("输出目录（-o）").
func checkWritable(dir, what string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return outputError{dir, what, err}
	}
	f, err := os.CreateTemp(dir, ".xunjian-write-check-*")
	if err != nil {
		return outputError{dir, what, err}
	}
	name := f.Name()
	_, err = f.Write([]byte("ok"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	os.Remove(name)
	if err != nil {
		return outputError{dir, what, err}
	}
	return nil
}

// writeReports writes a report's files to dir. When that fails (the disk
// filled up, the folder went away during the run), the results are not
// lost: they are written to a new folder under the system's temporary
// directory, and the error says where they are.
func writeReports(dir string, rep *finding.Report, formats []string) ([]string, error) {
	paths, err := reports.WriteFiles(dir, rep, formats)
	if err == nil {
		return paths, nil
	}
	failed := outputError{dir, "报告", err}
	tmp, terr := os.MkdirTemp("", "xunjian-reports-")
	if terr != nil {
		return nil, fmt.Errorf("%w；另存到临时目录也失败：%s", failed, explain.Error(terr))
	}
	saved := filepath.Join(tmp, filepath.Base(dir))
	spaths, serr := reports.WriteFiles(saved, rep, formats)
	if serr != nil {
		return nil, fmt.Errorf("%w；另存到临时目录 %s 也失败：%s", failed, saved, explain.Error(serr))
	}
	return spaths, savedElsewhere{failed: failed, dir: saved}
}

// savedElsewhere is writeReports' error when the report could not be
// written where asked but was saved in dir.
type savedElsewhere struct {
	failed error
	dir    string
}

func (s savedElsewhere) Error() string {
	return fmt.Sprintf("%v；本次结果已另存到 %s", s.failed, s.dir)
}

func (s savedElsewhere) Unwrap() error { return s.failed }
