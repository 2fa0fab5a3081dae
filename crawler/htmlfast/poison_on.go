//go:build htmlfastpoison

package htmlfast

// poisonReleased: see Arena.poison. Built with -tags htmlfastpoison,
// released trees are overwritten, not reused.
const poisonReleased = true
