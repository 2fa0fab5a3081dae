//go:build htmlfastpoison && !linux

package crawler

func poisonAlloc(n int) []byte { return make([]byte, 0, n) }

// poisonRelease overwrites a released body with garbage; the buffer is
// never reused.
func poisonRelease(b []byte) { fillGarbage(b) }
