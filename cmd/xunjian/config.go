package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/xunjian/xunjian/config"
)

// cmdConfig is `xunjian config check -c FILE` and `xunjian config defaults`.
func cmdConfig(args []string, e env) error {
	if len(args) == 0 {
		return usageLine("xunjian config check -c FILE | xunjian config defaults")
	}
	switch args[0] {
	case "defaults":
		e.stdout.Write(config.DefaultsYAML())
		return nil
	case "check":
		fs := flag.NewFlagSet("config check", flag.ContinueOnError)
		fs.SetOutput(e.stderr)
		path := fs.String("c", "", "configuration file to validate")
		rest, err := parseInterleaved(fs, args[1:])
		if err != nil {
			return usageError{} // -h too: kept as it was
		}
		if *path == "" && len(rest) == 1 {
			*path = rest[0]
		}
		if *path == "" {
			return usageLine("xunjian config check -c FILE")
		}
		cfg, err := config.Load(*path)
		if err != nil {
			return usageError{err: err}
		}
		fmt.Fprintf(e.stdout, "%s: 配置有效（%d 个站点，检查项：%s）\n", *path, len(cfg.Sites), strings.Join(cfg.Checks.Enabled, ", "))
		return nil
	}
	return usageError{err: fmt.Errorf("unknown config command %q", args[0])}
}
