package outbox

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncAll makes files and directories durable with one syncfs(2) of the
// file system holding root: it writes back every dirty inode there and
// commits the journal, renames and removals included, at the cost of about
// one fsync instead of one per file and directory.
func syncAll(root string, files []string, dirs map[string]bool) error {
	f, err := os.Open(root)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		// Not supported here (an old kernel, a FUSE file system): one by one.
		return syncEach(files, dirs)
	}
	return nil
}
