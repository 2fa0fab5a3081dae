//go:build race

package worker

// raceEnabled: the race detector reserves terabytes of address space and
// multiplies memory use, so race builds (tests) set no RLIMIT_AS and allow
// the workers four times the memory.
const raceEnabled = true
