package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// cmdRules is `xunjian rules check`: validate the rule packs of a config
// and of the command line, and count what they hold.
func cmdRules(args []string, e env) error {
	if len(args) == 0 || args[0] != "check" {
		return usageLine("xunjian rules check [-c FILE] [--words FILE] [--typos FILE]")
	}
	fs := flag.NewFlagSet("rules check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("c", "", "configuration file whose packs to check")
	var words, typos listFlag
	fs.Var(&words, "words", "sensitive-word pack file; may repeat")
	fs.Var(&typos, "typos", "typo pack file; may repeat")
	if _, err := parseInterleaved(fs, args[1:]); err != nil {
		return usageError{} // -h too: kept as it was
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
