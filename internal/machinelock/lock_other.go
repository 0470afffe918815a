//go:build !unix

package machinelock

import (
	"errors"
	"os"
)

// tryLock reports that this system has no file lock the package uses.
func tryLock(*os.File) (bool, error) { return false, errors.New("no file locks on this system") }

// unlock does nothing.
func unlock(*os.File) {}
