package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// command is one command's flags with its synopsis, for Chinese help and
// Chinese errors: the flag package's own messages are English.
type command struct {
	*flag.FlagSet
	synopsis string // "xunjian inspect [选项] 网址..."
	about    string // one line on what it does
	e        env
}

func newCommand(name, synopsis, about string, e env) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &command{FlagSet: fs, synopsis: synopsis, about: about, e: e}
}

// parse parses flags that may come before or after positional arguments
// ("inspect URL -o out"). -h prints the help on stdout (exit 0); a bad flag
// is a usage error in Chinese naming the flag.
func (c *command) parse(args []string) ([]string, error) {
	pos, err := parseInterleaved(c.FlagSet, args)
	if err == nil {
		return pos, nil
	}
	if errors.Is(err, flag.ErrHelp) {
		c.help(c.e.stdout)
		return nil, exitError{code: exitOK}
	}
	return nil, usageError{err: flagError(err), text: fmt.Sprintf("用法：%s\n运行 %s -h 查看全部选项。\n", c.synopsis, strings.Join(strings.Fields(c.synopsis)[:2], " "))}
}

// help writes the command's help in Chinese: what it does, its synopsis,
// each flag with its default.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "%s\n\n用法：%s\n", c.about, c.synopsis)
	n := 0
	c.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\n选项：\n")
	}
	c.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if zh, ok := typeNames[name]; ok {
			name = zh
		}
		line := "  -" + f.Name
		if len(f.Name) > 1 {
			line = "  --" + f.Name
		}
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n        %s", line, usage)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			fmt.Fprintf(w, "（默认 %s）", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// typeNames are the flag package's value names in Chinese.
var typeNames = map[string]string{"string": "文字", "int": "整数", "float": "数字", "value": "值"}

var (
	undefinedFlagRE = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	needsArgRE      = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	invalidValueRE  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for flag -+([^:]+): (.*)$`)
)

// flagError says in Chinese what was wrong on the command line.
func flagError(err error) error {
	msg := err.Error()
	switch {
	case undefinedFlagRE.MatchString(msg):
		m := undefinedFlagRE.FindStringSubmatch(msg)
		return fmt.Errorf("没有 -%s 这个选项", m[1])
	case needsArgRE.MatchString(msg):
		m := needsArgRE.FindStringSubmatch(msg)
		return fmt.Errorf("选项 -%s 后面要写一个值", m[1])
	case invalidValueRE.MatchString(msg):
		m := invalidValueRE.FindStringSubmatch(msg)
		want := "这个值"
		switch {
		case strings.Contains(m[3], "parse error") && strings.Contains(msg, "boolean"):
			want = "true 或 false"
		case strings.Contains(m[3], "parse error"), strings.Contains(m[3], "invalid syntax"):
			want = "一个数字"
		case strings.Contains(m[3], "out of range"):
			want = "一个范围内的数字"
		}
		return fmt.Errorf("选项 -%s 的值“%s”无效：应为%s", m[2], m[1], want)
	}
	return fmt.Errorf("命令行有误：%s", msg)
}
