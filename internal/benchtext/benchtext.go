// Package benchtext generates the matching benchmarks' input: 10 MB of
// Chinese-like text and dictionaries of short words over the same
// characters, from fixed seeds, so that xunjian's matcher (match) and the
// peer it is compared with (the bench/matchcmp module) read the same bytes.
package benchtext

import (
	"math/rand/v2"
	"strings"
	"sync"
)

// Corpus returns 10 MB of Chinese-like text (3,500 characters, some ASCII
// and punctuation), generated once from a fixed seed.
var Corpus = sync.OnceValue(func() []byte {
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < 10<<20 {
		switch k := rng.IntN(100); {
		case k < 3:
			b.WriteString("，")
		case k < 4:
			b.WriteString("。\n")
		case k < 5:
			b.WriteString(" 2026年 ")
		default:
			b.WriteRune(rune(0x4E00 + rng.IntN(3500)))
		}
	}
	return []byte(b.String())
})

// Words returns n words of 2–4 characters over the corpus's characters,
// the same n words on every call.
func Words(n int) []string {
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	words := make([]string, n)
	for i := range words {
		rs := make([]rune, 2+rng.IntN(3))
		for k := range rs {
			rs[k] = rune(0x4E00 + rng.IntN(3500))
		}
		words[i] = string(rs)
	}
	return words
}
