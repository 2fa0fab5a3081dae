package main

import (
	"errors"

	extractworker "github.com/xunjian/xunjian/extract/worker"
)

// cmdExtractWorker is the hidden `xunjian extract-worker` command: the
// process in which attachments are parsed, started by the inspection
// itself (package extract/worker), never by a person.
func cmdExtractWorker(e env) error {
	if !extractworker.IsChild() {
		return usageError{err: errors.New("extract-worker is started by xunjian itself to read attachments")}
	}
	if code := extractworker.Main(); code != 0 {
		return exitError{code: code}
	}
	return nil
}
