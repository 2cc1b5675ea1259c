package mediatest

import "syscall"

// dieWithParent makes the gateway die with the test binary, however the
// test binary ends (Linux's parent-death signal).
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
