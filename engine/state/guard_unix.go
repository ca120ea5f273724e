//go:build unix

package state

import (
	"errors"
	"os"
	"syscall"
)

// guard holds an exclusive flock on path until the returned function is
// called. The kernel drops it when the process dies, so unlike the lock
// file it can never go stale. It serializes the few steps that remove or
// replace the lock file; see Local.Lock.
func guard(path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing the file releases the flock
}
