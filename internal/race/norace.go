//go:build !race

// Package race tells whether the binary was built with the race detector,
// which reserves terabytes of address space, multiplies memory use and
// slows compression and parsing several times: memory limits and the
// hostile-input tests (whose figures need a normal build) adapt to it.
package race

// Enabled is true in a -race build.
const Enabled = false
