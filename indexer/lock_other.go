//go:build !unix

package indexer

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("would block")

// flock is a no-op where flock(2) does not exist: the data directory's
// single owner is then the operator's to keep.
func flock(*os.File) error { return nil }
