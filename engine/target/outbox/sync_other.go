//go:build !linux

package outbox

// groupSync has nothing to share where there is no syncfs(2).
type groupSync struct{}

// syncAll makes files and directories durable one by one.
func (g *groupSync) syncAll(root string, files []string, dirs map[string]bool) error {
	return syncEach(files, dirs)
}
