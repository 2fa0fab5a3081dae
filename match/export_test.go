package match

// OverlappingBefore is the former Pair scan (pair_before_test.go), for the
// external tests and benchmarks.
func (p *Pair) OverlappingBefore(text []byte, fa, fb func(Match)) { p.overlappingBefore(text, fa, fb) }

// OverlappingBefore is the former Matcher scan.
func (m *Matcher) OverlappingBefore(text []byte, fn func(Match)) { m.overlappingBefore(text, fn) }

// Matchers returns the pair's two matchers.
func (p *Pair) Matchers() (*Matcher, *Matcher) { return p.a, p.b }
