//go:build !htmlfastpoison

package extract

// poisonReleased: see poison_on.go (go test -tags htmlfastpoison).
const poisonReleased = false

func poison([]byte) {}
