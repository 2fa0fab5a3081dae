package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
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
		{"usage-line", usageLine("xunjian serve -c 文件"), exitUsage, "用法：xunjian serve -c 文件\n"},
		{"usage-error-and-text", usageError{err: errors.New(`unknown command "x"`), text: "\nUsage: ...\n"}, exitUsage, "xunjian: unknown command \"x\"\n\nUsage: ...\n"},
		{"usage-printed-by-flag", usageError{}, exitUsage, ""},
		{"usage-wrapped", fmt.Errorf("outer: %w", usageError{err: errors.New("bad")}), exitUsage, "xunjian: bad\n"},
		{"flag-error", parseErr([]string{"-x"}), exitUsage, "xunjian: 没有 -x 这个选项\n用法：xunjian inspect [选项] 网址...\n运行 xunjian inspect -h 查看全部选项。\n"},
		{"flag-needs-value", parseErr([]string{"-o"}), exitUsage, "xunjian: 选项 -o 后面要写一个值\n用法：xunjian inspect [选项] 网址...\n运行 xunjian inspect -h 查看全部选项。\n"},
		{"flag-bad-number", parseErr([]string{"--rate", "fast"}), exitUsage, "xunjian: 选项 -rate 的值“fast”无效：应为一个数字\n用法：xunjian inspect [选项] 网址...\n运行 xunjian inspect -h 查看全部选项。\n"},
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

// parseErr parses args with inspect's flags and returns the error.
func parseErr(args []string) error {
	e, _, _ := testEnv()
	cmd := newCommand("inspect", "xunjian inspect [选项] 网址...", "", e)
	var f inspectFlags
	f.register(cmd.FlagSet, inspectFlagSet)
	_, err := cmd.parse(args)
	return err
}

// TestHelpIsChineseAndMatchesDefaults: -h prints the help in Chinese on
// stdout and exits 0; the defaults it states are the configuration's.
func TestHelpIsChineseAndMatchesDefaults(t *testing.T) {
	e, out, errb := testEnv()
	if code := run(context.Background(), []string{"inspect", "-h"}, e); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	help := out.String()
	d := config.Default()
	for _, want := range []string{
		"用法：xunjian inspect [选项] 网址...",
		"--format 格式",
		"json,html,xlsx",
		"默认 " + strings.Join(d.Report.Formats, ","),
		fmt.Sprintf("默认 %d", d.Crawl.Concurrency),
		fmt.Sprintf("默认 %g", d.Crawl.Rate),
		fmt.Sprintf("默认 %d", d.Crawl.MaxPages),
		"默认 " + d.Report.FailOn,
		"-o 目录",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	e2, out2, _ := testEnv()
	if code := run(context.Background(), nil, e2); code != exitUsage {
		t.Errorf("no args: exit %d", code)
	}
	_ = out2
	e3, out3, _ := testEnv()
	run(context.Background(), []string{"help"}, e3)
	for _, cmd := range []string{"inspect", "scan", "serve", "report", "demo", "config check", "rules check"} {
		if !strings.Contains(out3.String(), "xunjian "+cmd) {
			t.Errorf("usage lacks %s:\n%s", cmd, out3)
		}
	}
	if regexp.MustCompile(`(?m)^[A-Z][a-z]+ `).MatchString(out3.String()) {
		t.Errorf("usage is not in Chinese:\n%s", out3)
	}
}

// TestEveryCommandHasChineseHelp: every command and subcommand answers -h
// with its Chinese help on stdout (exit 0), showing only the flags it
// honours.
func TestEveryCommandHasChineseHelp(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		want, without []string
	}{
		{[]string{"inspect", "-h"}, []string{"--state 文件", "--max-pages 页面数"}, nil},
		{[]string{"scan", "-h"}, []string{"--words 文件", "-o 目录", "sensitive-word, typo, privacy"}, []string{"--state", "--max-pages", "--concurrency", "--rate", "--allow-private", "broken-link"}},
		{[]string{"demo", "-h"}, []string{"--serve 地址"}, []string{"--fail-on", "-c 文件"}},
		{[]string{"serve", "-h"}, []string{"--push-sites"}, nil},
		{[]string{"report", "-h"}, []string{"--site 站点", "--run 编号"}, nil},
		{[]string{"config", "-h"}, []string{"xunjian config check -c 文件 | xunjian config defaults"}, nil},
		{[]string{"config", "check", "-h"}, []string{"-c 文件"}, nil},
		{[]string{"config", "defaults", "-h"}, []string{"用法：xunjian config defaults"}, []string{"crawl:", "选项"}},
		{[]string{"rules", "-h"}, []string{"--words 文件"}, nil},
		{[]string{"rules", "check", "-h"}, []string{"--typos 文件"}, nil},
		{[]string{"-h"}, []string{"xunjian demo [-o 目录] [--serve 地址]"}, nil},
	} {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			e, out, errb := testEnv()
			if code := run(context.Background(), tc.args, e); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			help := out.String()
			if !strings.Contains(help, "用法：") || regexp.MustCompile(`(?m)^[A-Z][a-z]+ [a-z]+`).MatchString(help) {
				t.Errorf("help is not Chinese:\n%s", help)
			}
			for _, w := range tc.want {
				if !strings.Contains(help, w) {
					t.Errorf("help lacks %q:\n%s", w, help)
				}
			}
			for _, w := range tc.without {
				if strings.Contains(help, w) {
					t.Errorf("help shows %q, which this command ignores:\n%s", w, help)
				}
			}
		})
	}
}
