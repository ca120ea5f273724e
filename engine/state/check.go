package state

// CheckEntry is the strict check every backend applies to an entry before
// it records or writes it, and after it reads it: the address matches, a
// UID is set, the sequence is not negative.
func CheckEntry(addr string, e *Entry) error { return checkEntry(addr, e) }
