//go:build !unix

package workloads

import "os/exec"

// ownProcessGroup leaves the child in gotrace's group: process groups are
// a Unix notion. Cancelling kills the child (exec.CommandContext's default).
func ownProcessGroup(cmd *exec.Cmd) {}
