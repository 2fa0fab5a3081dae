package main

import (
	"context"
	"errors"
	"fmt"

	extractworker "github.com/xunjian/xunjian/extract/worker"
	"github.com/xunjian/xunjian/redact"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0 // no finding at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage or configuration error
	exitFailed   = 3 // the inspection could not run, or was interrupted
	// exitIncomplete: the run ended without findings at or above
	// --fail-on, but did not check everything (a file it could not read,
	// an unreachable homepage, a check that failed): exit 0 always means
	// checked and clean.
	exitIncomplete = 4
)

const usage = `xunjian 巡检 —— 政府网站日常巡检（读网巡网）

用法：
  xunjian inspect [选项] 网址...          立即巡检网站，写出报告
  xunjian scan [选项] 文件|目录|网址...    发布前检查文档
  xunjian serve -c 文件 [--push-sites]    每天定时巡检、探测首页、发送告警、提供仪表盘
                                          （serve.database 为 postgres://… 时是集群的一个节点）
  xunjian report -c 文件 --site 站点 [--run 编号] [-o 目录] [--format 格式]
                                          从历史记录重新生成报告
  xunjian demo [-o 目录] [--serve 地址]   巡检内置的样例站点（--serve：持续运行）
  xunjian config check -c 文件            检查配置文件
  xunjian config defaults                 打印默认配置
  xunjian rules check [-c 文件] [--words 文件] [--typos 文件]
                                          检查规则包
  xunjian version                         版本

运行“xunjian 命令 -h”查看该命令的选项，如 xunjian inspect -h。
退出码：0 已全部检查且没有达到 --fail-on 的问题；1 有达到 --fail-on 的问题；
2 命令行或配置错误；3 无法巡检或巡检被中断；4 巡检不完整（有内容未能检查）。
`

// run runs the command named by args[0] and returns the process's exit
// code.
func run(ctx context.Context, args []string, e env) int {
	return exitCode(e, dispatch(ctx, args, e))
}

// exitCode is the one place that prints a command's error and maps it to
// an exit code: a usageError exits 2, an exitError its code, any other
// error 3.
func exitCode(e env, err error) int {
	if err == nil {
		return exitOK
	}
	var usageErr usageError
	if errors.As(err, &usageErr) {
		printErrors(e, usageErr.err)
		fmt.Fprint(e.stderr, usageErr.text)
		return exitUsage
	}
	var exitErr exitError
	if errors.As(err, &exitErr) {
		printErrors(e, exitErr.err)
		return exitErr.code
	}
	printErrors(e, err)
	return exitFailed
}

func dispatch(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usageError{text: usage}
	}
	switch args[0] {
	case "inspect":
		return cmdInspect(ctx, args[1:], e)
	case "demo":
		return cmdDemo(ctx, args[1:], e)
	case "config":
		return cmdConfig(args[1:], e)
	case "scan":
		return cmdScan(ctx, args[1:], e)
	case "rules":
		return cmdRules(args[1:], e)
	case "serve":
		return cmdServe(ctx, args[1:], e)
	case "report":
		return cmdReport(ctx, args[1:], e)
	case extractworker.Command:
		return cmdExtractWorker(e)
	case "version", "--version", "-v":
		return cmdVersion(e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	return usageError{err: fmt.Errorf("没有“%s”这个命令", args[0]), text: "\n" + usage}
}

// usageError is a mistake in the command line or the configuration: exit 2.
// run prints err (if any) as "xunjian: err", then text (a usage line or the
// whole usage) as it is. Both are empty when the flag package has already
// printed what was wrong.
type usageError struct {
	err  error
	text string
}

func (u usageError) Error() string {
	if u.err != nil {
		return u.err.Error()
	}
	if u.text != "" {
		return u.text
	}
	return "usage error"
}

func (u usageError) Unwrap() error { return u.err }

// usageLine is the usage error that prints "用法：synopsis".
func usageLine(synopsis string) error {
	return usageError{text: "用法：" + synopsis + "\n"}
}

// exitError ends a command with code; run prints err, if any. A nil err is
// an outcome already shown (findings in the summary, an incomplete report).
type exitError struct {
	code int
	err  error
}

func (x exitError) Error() string {
	if x.err != nil {
		return x.err.Error()
	}
	return fmt.Sprintf("exit %d", x.code)
}

func (x exitError) Unwrap() error { return x.err }

// errorList is several failures of one command (one per site that could
// not be inspected); run prints each on its own line.
type errorList []error

func (l errorList) Error() string   { return errors.Join(l...).Error() }
func (l errorList) Unwrap() []error { return l }

// printErrors prints err as "xunjian: err", each error of an errorList on
// its own line.
func printErrors(e env, err error) {
	if list, ok := err.(errorList); ok {
		for _, one := range list {
			printErrors(e, one)
		}
		return
	}
	if err != nil {
		// Errors may quote crawled URLs and file names: masked.
		fmt.Fprintf(e.stderr, "xunjian: %s\n", redact.New(nil).Text(err.Error()))
	}
}
