package main

import (
	"fmt"
	"strings"

	"github.com/xunjian/xunjian/config"
)

// cmdConfig is `xunjian config check -c FILE` and `xunjian config defaults`.
func cmdConfig(args []string, e env) error {
	if len(args) == 0 {
		return usageLine(configSynopsis)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(e.stdout, "检查配置文件，或打印默认配置。\n\n用法：%s\n\n运行 xunjian config check -h 查看其选项。\n", configSynopsis)
		return nil
	case "defaults":
		cmd := newCommand("config defaults", "xunjian config defaults", "打印全部设置及其默认值（YAML），可作为配置文件的起点。", e)
		if _, err := cmd.parse(args[1:]); err != nil {
			return err
		}
		e.stdout.Write(config.DefaultsYAML())
		return nil
	case "check":
		cmd := newCommand("config check", "xunjian config check -c 文件", "检查配置文件：一次列出全部错误，每条写明行号和键。", e)
		path := cmd.String("c", "", "要检查的配置`文件`")
		rest, err := cmd.parse(args[1:])
		if err != nil {
			return err
		}
		if *path == "" && len(rest) == 1 {
			*path = rest[0]
		}
		if *path == "" {
			return usageLine("xunjian config check -c 文件")
		}
		cfg, err := config.Load(*path)
		if err != nil {
			return usageError{err: err}
		}
		fmt.Fprintf(e.stdout, "%s: 配置有效（%d 个站点，检查项：%s）\n", *path, len(cfg.Sites), strings.Join(cfg.Checks.Enabled, ", "))
		return nil
	}
	return usageError{err: fmt.Errorf("没有 config %s 这个命令", args[0]), text: "用法：" + configSynopsis + "\n"}
}

const configSynopsis = "xunjian config check -c 文件 | xunjian config defaults"
