//go:build !linux

package extract

import "github.com/tetratelabs/wazero/experimental"

type linearMemory struct{}

func (linearMemory) Allocate(capacity, max uint64) experimental.LinearMemory { return &sliceMemory{} }
