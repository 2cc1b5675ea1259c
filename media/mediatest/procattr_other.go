//go:build !linux

package mediatest

import "syscall"

// dieWithParent is nil where there is no parent-death signal: Stop (from
// TestMain) ends the gateway, and a test binary killed outright leaves it
// running.
func dieWithParent() *syscall.SysProcAttr { return nil }
