package state

// JournalSyncs reports how many times l fsynced its journal, so benchmarks
// can show how many Records shared one fsync.
func JournalSyncs(l *Local) int {
	l.io.Lock()
	defer l.io.Unlock()
	return l.syncs
}
