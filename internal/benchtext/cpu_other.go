//go:build !unix

package benchtext

import "time"

func cpuTime() time.Duration { return 0 }
