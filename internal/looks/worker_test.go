package looks

import (
	"os"
	"testing"

	"github.com/xunjian/xunjian/extract/worker"
)

// TestMain lets this test binary act as the attachment-extraction worker
// that the demo's inspection starts (extract/worker re-executes the
// binary); without it every attachment would be "unreadable".
func TestMain(m *testing.M) {
	if worker.IsChild() {
		os.Exit(worker.Main())
	}
	os.Exit(m.Run())
}
