//go:build !linux

package main

// directFlag is 0 where O_DIRECT does not exist (macOS has F_NOCACHE,
// Windows FILE_FLAG_NO_BUFFERING): the direct loop is not run and reports
// the buffered figure.
const directFlag = 0
