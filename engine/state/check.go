package state

// CheckEntry is the strict check every backend applies to an entry before
// it records or writes it, and after it reads it: the address matches, a
// UID is set, the sequence is not negative.
func CheckEntry(addr string, e *Entry) error { return checkEntry(addr, e) }

// CheckRetired is the strict check of a retired record: an address, a UID
// and a SEQUENCE of at least 1.
func CheckRetired(addr string, r Retirement) error { return checkRetired(addr, r) }

// CheckOp is the strict check of an Op backends apply in Record.
func CheckOp(op Op) error { return checkOp(op) }
