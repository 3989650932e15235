//go:build !unix

package drops

// openNoBlock is zero where opening a file cannot block on a FIFO.
const openNoBlock = 0
