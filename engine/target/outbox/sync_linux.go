package outbox

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// groupSync shares syncfs(2) calls between concurrent deliveries (group
// commit): a caller needs a sync that starts after its writes, and every
// caller waiting when one starts is served by it. The zero value is ready.
type groupSync struct {
	mu        sync.Mutex
	cond      *sync.Cond
	running   bool
	started   uint64 // syncs started
	completed uint64 // syncs completed, in order
	errs      map[uint64]error
	broken    bool // syncfs unsupported: sync file by file
}

// syncAll makes files and directories durable with one syncfs(2) of the
// file system holding root: it writes back every dirty inode there and
// commits the journal, renames and removals included, at the cost of about
// one fsync instead of one per file and directory.
func (g *groupSync) syncAll(root string, files []string, dirs map[string]bool) error {
	g.mu.Lock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
		g.errs = map[uint64]error{}
	}
	if g.broken {
		g.mu.Unlock()
		return syncEach(files, dirs)
	}
	need := g.started + 1 // the first sync to start from now on
	for g.completed < need {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		gen := g.started
		g.mu.Unlock()
		err := syncfs(root)
		g.mu.Lock()
		g.running = false
		g.completed = gen
		if err != nil {
			g.errs[gen] = err
		}
		g.cond.Broadcast()
	}
	_, failed := g.errs[need]
	if failed {
		// Not supported here (an old kernel, a FUSE file system), or
		// failed: from now on file by file, which reports a real error
		// itself.
		g.broken = true
	}
	g.mu.Unlock()
	if failed {
		return syncEach(files, dirs)
	}
	return nil
}

func syncfs(root string) error {
	f, err := os.Open(root)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
