package main

import "syscall"

// dieWithParent makes a started server die with this program, however it
// ends (Linux's parent-death signal).
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
