package state

// JournalSyncs reports how many times l fsynced its journal, so benchmarks
// can show how many Records shared one fsync.
func JournalSyncs(l *Local) int {
	l.io.Lock()
	defer l.io.Unlock()
	return l.syncs
}

// DecodeState exposes the strict decoder to the fuzz test.
func DecodeState(data []byte) (*State, error) { return decodeState("state.json", data) }

// EncodeState exposes the encoder to the fuzz test.
func EncodeState(s *State) ([]byte, error) { return encodeState(s, s.Serial) }

// Whole returns a copy of s without the mark Index.State puts on the
// states it makes, for comparing them with states Read makes.
func Whole(s *State) *State { c := *s; c.Partial = false; return &c }
