//go:build !linux

package main

import "syscall"

// dieWithParent is nil where there is no parent-death signal: each server
// is killed once it is ready.
func dieWithParent() *syscall.SysProcAttr { return nil }
