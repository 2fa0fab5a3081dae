package main

import (
	"fmt"
	"slices"
	"strings"
)

// cmdRules is `xunjian rules check`: validate the rule packs of a config
// and of the command line, and count what they hold.
func cmdRules(args []string, e env) error {
	const synopsis = "xunjian rules check [-c 文件] [--words 文件] [--typos 文件]"
	cmd := newCommand("rules check", synopsis, "检查规则包：有错的行写明文件和行号。", e)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		args = []string{"check", "-h"}
	}
	if len(args) == 0 || args[0] != "check" {
		return usageLine(synopsis)
	}
	path := cmd.String("c", "", "配置`文件`（检查其中列出的规则包）")
	var words, typos listFlag
	cmd.Var(&words, "words", "敏感词规则包`文件`，可重复")
	cmd.Var(&typos, "typos", "错别字规则包`文件`，可重复")
	if _, err := cmd.parse(args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return usageError{err: err}
	}
	packs, err := cfg.Content.LoadPacks(words, typos)
	if err != nil {
		return usageError{err: err}
	}
	byCat := map[string]int{}
	for _, w := range packs.Words {
		byCat[w.Category]++
	}
	var cats []string
	for c, n := range byCat {
		cats = append(cats, fmt.Sprintf("%s %d", c, n))
	}
	slices.Sort(cats)
	serious := 0
	for _, t := range packs.Typos {
		if t.Serious {
			serious++
		}
	}
	for _, w := range packs.Warnings {
		fmt.Fprintf(e.stderr, "xunjian: 警告：%s\n", w)
	}
	fmt.Fprintf(e.stdout, "规则包有效：敏感词 %d 条（%s），错别字 %d 条，严重表述错误 %d 条\n",
		len(packs.Words), strings.Join(cats, "，"), len(packs.Typos)-serious, serious)
	return nil
}
