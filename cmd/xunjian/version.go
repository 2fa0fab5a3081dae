package main

import (
	"fmt"

	"github.com/xunjian/xunjian/inspect"
)

// cmdVersion is `xunjian version`.
func cmdVersion(e env) error {
	fmt.Fprintf(e.stdout, "xunjian %s\n", inspect.Version)
	return nil
}
