//go:build unix

package drops

import "syscall"

// openNoBlock keeps an open from blocking on a FIFO swapped in for a drop
// (a regular file reads the same either way) and from making a terminal
// device the process's controlling terminal.
const openNoBlock = syscall.O_NONBLOCK | syscall.O_NOCTTY
