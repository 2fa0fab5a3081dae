package checks

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/match"
)

// builders pairs each catalog entry with the constructor of its
// implementation. The catalog says everything else about a check; a test
// fails when the two lists differ.
var builders = map[string]func(Deps) (Check, error){
	catalog.Connectivity:  newConnectivity,
	catalog.BrokenLink:    newBrokenLink,
	catalog.SensitiveWord: newSensitiveWord,
	catalog.Typo:          newTypo,
	catalog.Privacy:       newPrivacy,
	catalog.Columns:       newColumns,
	catalog.DarkLink:      newDarkLink,
	catalog.ExternalLink:  newExternalLink,
}

// Build returns the checks named, in catalog order.
func Build(names []string, deps Deps) ([]Check, error) {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	known := catalog.Names()
	for _, n := range names {
		if _, ok := builders[n]; !ok || !slices.Contains(known, n) {
			return nil, fmt.Errorf("%w %q (known: %v)", config.ErrUnknownCheck, n, known)
		}
	}
	if deps.Net == nil {
		n, err := deps.net()
		if err != nil {
			return nil, err
		}
		deps.Net = n
	}
	if deps.words == nil {
		w, err := newWordMatcher(deps.Packs)
		if err != nil {
			return nil, err
		}
		deps.words = w
	}
	var out []Check
	for _, name := range known {
		if !slices.Contains(names, name) {
			continue
		}
		c, err := builders[name](deps)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", name, err)
		}
		out = append(out, c)
	}
	shareTextScan(out)
	return out, nil
}

// shareTextScan gives the sensitive-word and typo checks one reading of
// each document's text (textScan) when both run.
func shareTextScan(list []Check) {
	var sw *sensitiveWord
	var ty *typo
	for _, c := range list {
		switch c := c.(type) {
		case *sensitiveWord:
			sw = c
		case *typo:
			ty = c
		}
	}
	if sw == nil || ty == nil {
		return
	}
	s := &textScan{pair: match.NewPair(sw.words.m, ty.m)}
	sw.scan, ty.scan = s, s
}

// TextReaders returns the checks of list that read text.
func TextReaders(list []Check) []TextReader {
	var out []TextReader
	for _, c := range list {
		if t, ok := c.(TextReader); ok {
			out = append(out, t)
		}
	}
	return out
}
