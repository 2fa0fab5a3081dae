//go:build !linux

package rodata

import "errors"

func release(string) int { return 0 }

func resident(string) (int, error) { return 0, errors.ErrUnsupported }
