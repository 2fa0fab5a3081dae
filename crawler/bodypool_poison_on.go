//go:build htmlfastpoison

package crawler

// poisonBodies: built with -tags htmlfastpoison, a released page body is
// overwritten with garbage and never reused (on Linux it is also made
// unreadable: bodypool_poison_linux.go), so that whatever kept a string
// of a page past its onPage reads nonsense, or faults where it reads.
const poisonBodies = true

// bodyGarbage is what a released body reads as where it stays readable.
const bodyGarbage = "<xunjian-released-body>"

func fillGarbage(b []byte) {
	b = b[:cap(b)]
	for i := 0; i < len(b); i += copy(b[i:], bodyGarbage) {
	}
}
