package htmlfast

// CheckScopeCache makes every cached scope lookup compare its answer
// with the full walk's (a difference panics, and the parse fails) until
// the returned function is called. The benchmarks run without it.
func CheckScopeCache() (restore func()) {
	checkPScope = true
	return func() { checkPScope = false }
}
