package main

import "syscall"

// directFlag opens a file for writes past the page cache.
const directFlag = syscall.O_DIRECT
