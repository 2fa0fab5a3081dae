package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/xunjian/xunjian/redact"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0 // no finding at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage or configuration error
	exitFailed   = 3 // the inspection could not run, or was interrupted
)

const usage = `xunjian 巡检 — daily inspection of government portals

Usage:
  xunjian inspect [flags] URL [URL...]   inspect sites now and write reports
  xunjian scan [flags] FILE|DIR|URL...   check documents before publishing them
  xunjian serve -c FILE [--push-sites]   run the daily inspections, probes, alerts and dashboard
                                         (serve.database postgres://…: one worker of a cluster)
  xunjian report -c FILE --site NAME [--run ID] [-o DIR] [--format F]
                                         rebuild a stored report
  xunjian demo [-o DIR]                  inspect the built-in sample portal
  xunjian config check -c FILE           validate a configuration file
  xunjian config defaults                print the default configuration
  xunjian rules check [-c FILE] [--words FILE] [--typos FILE]
                                         validate rule packs
  xunjian version

Run "xunjian inspect -h" for the inspect flags.
Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or config
error, 3 the inspection could not run or was interrupted.
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
	case "version", "--version", "-v":
		return cmdVersion(e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	return usageError{err: fmt.Errorf("unknown command %q", args[0]), text: "\n" + usage}
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

// usageLine is the usage error that prints "usage: synopsis".
func usageLine(synopsis string) error {
	return usageError{text: "usage: " + synopsis + "\n"}
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
