package checks

import (
	"maps"
	"slices"
	"testing"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
)

// TestRegistryMatchesCatalog: every catalog entry has an implementation
// and every implementation an entry; each built check answers to its
// entry's name and does some work (implements an optional interface).
func TestRegistryMatchesCatalog(t *testing.T) {
	names := catalog.Names()
	if got := slices.Sorted(maps.Keys(builders)); !slices.Equal(got, slices.Sorted(slices.Values(names))) {
		t.Fatalf("builders %v, catalog %v", got, names)
	}
	cfg := config.Default()
	packs, err := cfg.Content.LoadPacks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := Build(names, Deps{Config: cfg, Packs: packs})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range list {
		if c.Name() != names[i] {
			t.Errorf("check %d is %q, want %q", i, c.Name(), names[i])
		}
		var roles []string
		if _, ok := c.(PageChecker); ok {
			roles = append(roles, "page")
		}
		if _, ok := c.(TextReader); ok {
			roles = append(roles, "text")
		}
		if _, ok := c.(Starter); ok {
			roles = append(roles, "start")
		}
		if _, ok := c.(Finisher); ok {
			roles = append(roles, "finish")
		}
		if len(roles) == 0 {
			t.Errorf("check %s implements none of PageChecker, TextReader, Starter, Finisher", c.Name())
		}
	}
	if got := len(TextReaders(list)); got != 3 {
		t.Errorf("%d text readers, want 3 (sensitive-word, typo, privacy)", got)
	}
}
