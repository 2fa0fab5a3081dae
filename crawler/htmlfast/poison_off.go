//go:build !htmlfastpoison

package htmlfast

// poisonReleased: see Arena.poison (go test -tags htmlfastpoison).
const poisonReleased = false
