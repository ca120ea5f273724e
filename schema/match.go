package schema

import "time"

// What `rmctl match` asks about a pair before it is declared. The answers
// come from the code validation and expansion use, so a proposed pair that
// passes here passes `rmctl validate` once written.

// ProposedSchedule returns the sessions pair would have if it were declared
// in p, computed exactly as Schedule computes them for declared pairs.
func (p *Program) ProposedSchedule(pair Pair) []Session {
	q := *p
	q.Pairs = map[string]Pair{"": pair}
	q.schedules = nil
	return q.schedule("")
}

// InWorkingHours reports whether [start, end) lies inside the program's
// working hours (policy.workingHours) on the clock of loc.
func (p *Program) InWorkingHours(start, end time.Time, loc *time.Location) bool {
	wh := p.Policy.WorkingHours
	from := start.In(loc)
	startMin := from.Hour()*60 + from.Minute()
	endMin := startMin + int(end.Sub(start).Minutes())
	return startMin >= wh.From.Minutes() && endMin <= wh.To.Minutes()
}
