//go:build !linux

package outbox

// syncAll makes files and directories durable one by one.
func syncAll(root string, files []string, dirs map[string]bool) error {
	return syncEach(files, dirs)
}
