package schema

// ManagerChain returns the people above id in the reporting line, nearest
// first: id's manager, their manager, and so on. It stops at a manager who
// is not declared and at a loop (a loop is reported by validation), so it
// ends on any input.
func ManagerChain(people map[string]Person, id string) []string {
	var chain []string
	seen := map[string]bool{id: true}
	for m := people[id].Manager; m != "" && !seen[m]; m = people[m].Manager {
		if _, ok := people[m]; !ok {
			break
		}
		seen[m] = true
		chain = append(chain, m)
	}
	return chain
}

// ReportingChain returns the reporting line from `from` up to `to` (both
// included) when `to` sits anywhere above `from` in from's manager chain,
// and nil otherwise. Both directions of the reverse-mentoring rule use it:
// a mentor must not be above their mentee, and above all the mentee (the
// executive) must not be above their mentor.
func ReportingChain(people map[string]Person, from, to string) []string {
	if from == to {
		return nil
	}
	chain := ManagerChain(people, from)
	for i, m := range chain {
		if m == to {
			return append([]string{from}, chain[:i+1]...)
		}
	}
	return nil
}
