package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"testing"
)

// TestExitCode maps each kind of command error to its exit code and the
// exact text on stderr.
func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{"nil", nil, exitOK, ""},
		{"plain", errors.New("site x: boom"), exitFailed, "xunjian: site x: boom\n"},
		{"wrapped-plain", fmt.Errorf("history db: %w", fs.ErrNotExist), exitFailed, "xunjian: history db: file does not exist\n"},
		{"usage", usageError{err: errors.New("unknown key max_pagez")}, exitUsage, "xunjian: unknown key max_pagez\n"},
		{"usage-line", usageLine("xunjian serve -c FILE"), exitUsage, "usage: xunjian serve -c FILE\n"},
		{"usage-error-and-text", usageError{err: errors.New(`unknown command "x"`), text: "\nUsage: ...\n"}, exitUsage, "xunjian: unknown command \"x\"\n\nUsage: ...\n"},
		{"usage-printed-by-flag", usageError{}, exitUsage, ""},
		{"usage-wrapped", fmt.Errorf("outer: %w", usageError{err: errors.New("bad")}), exitUsage, "xunjian: bad\n"},
		{"help", flagsFailed(fmt.Errorf("parse: %w", flag.ErrHelp)), exitOK, ""},
		{"flag-error", flagsFailed(errors.New("flag provided but not defined: -x")), exitUsage, ""},
		{"findings", exitError{code: exitFindings}, exitFindings, ""},
		{"interrupted", exitError{code: exitFailed}, exitFailed, ""},
		{"sites-failed", exitError{code: exitFailed, err: errorList{errors.New("site a: bad"), errors.New("site b: worse")}}, exitFailed, "xunjian: site a: bad\nxunjian: site b: worse\n"},
		{"plain-list", errorList{errors.New("one")}, exitFailed, "xunjian: one\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := testEnv()
			if got := exitCode(e, tc.err); got != tc.code {
				t.Errorf("exit %d, want %d", got, tc.code)
			}
			if errb.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", errb, tc.stderr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}
