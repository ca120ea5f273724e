package resource

import "strings"

// IsFeedback reports whether address is a feedback request: an assignment
// at "<prog>/pair/<pair>/feedback/<n>/<person>" or
// "<prog>/feedback/program/<person>". Targets word those differently from
// tutorials ("please give feedback", not "to prepare").
func IsFeedback(address string) bool {
	segs := strings.Split(address, "/")
	switch len(segs) {
	case 4:
		return segs[1] == "feedback"
	case 6:
		return segs[1] == "pair" && segs[3] == "feedback"
	}
	return false
}
