//go:build !htmlfastpoison

package crawler

// poisonBodies: see bodypool.go (go test -tags htmlfastpoison).
const poisonBodies = false

func poisonAlloc(n int) []byte { return make([]byte, 0, n) }

func poisonRelease([]byte) {}
