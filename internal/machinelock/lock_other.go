//go:build !unix

package machinelock

import (
	"errors"
	"os"
)

// lock reports that this system has no file lock the package uses.
func lock(*os.File) error { return errors.New("no file locks on this system") }

// unlock does nothing.
func unlock(*os.File) {}
