// Package matchcmp compares xunjian's matcher with anknown/ahocorasick, a
// double-array Aho-Corasick over runes, on the input match's own
// benchmarks use (internal/benchtext). It is a module of its own so that
// the peer is a dependency of the benchmark, not of the product:
//
//	cd bench/matchcmp && go test -run XXX -bench . -benchtime 10x -count 5
package matchcmp
