package main

import (
	"os"
	"testing"

	extractworker "github.com/xunjian/xunjian/extract/worker"
)

// TestMain lets this test binary act as the attachment-extraction worker
// that the inspection starts (extract/worker re-executes the binary).
func TestMain(m *testing.M) {
	if extractworker.IsChild() {
		os.Exit(extractworker.Main())
	}
	os.Exit(m.Run())
}
