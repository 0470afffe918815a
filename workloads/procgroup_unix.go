//go:build unix

package workloads

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the child in a process group of its own, so that a
// terminal's Ctrl-C reaches gotrace alone (which then stops the child), and
// makes cancelling kill the whole group: whatever the child started dies
// with it.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
}
