package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine"
	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/state"
)

// TestExpandShiftsSessionOffHoliday: under policy.onHoliday "shift", a
// session on Easter Monday (2027-03-29, a public holiday in Bavaria) moves
// to the same time on Tuesday, and the plan's reason says why. A tutorial
// due on Good Friday (2027-03-26) is due on Thursday at 08:00 instead.
func TestExpandShiftsSessionOffHoliday(t *testing.T) {
	prog := strings.Replace(expandProgram, `policy: duration: maxMonths: 12`,
		`policy: {duration: maxMonths: 12, holidays: ["DE-BY"], onHoliday: "shift"}`, 1)
	// t-both is due 3 days before session 3 (the shifted Tuesday 03-30):
	// Saturday 03-27, and the Friday before is Good Friday.
	pairs := `package dst

pairs: {
	"berlin": {mentor: "mia", mentee: "max", slot: {week: -1, weekday: "monday"}}
}
`
	progs := loadProgram(t, map[string]string{"program.cue": prog, "people.cue": expandPeople, "pairs.cue": pairs})
	d := engine.Expand(progs)
	res := byAddress(d)

	s3 := mustGet(t, res, "dst-2027/pair/berlin/session/3")
	if got := s3.Start.In(berlin).Format("Mon 2006-01-02 15:04"); got != "Tue 2027-03-30 16:00" {
		t.Errorf("session 3 starts %s, want Tue 2027-03-30 16:00 (moved off Easter Monday)", got)
	}
	s2 := mustGet(t, res, "dst-2027/pair/berlin/session/2")
	if got := s2.Start.In(berlin).Format("Mon 2006-01-02"); got != "Mon 2027-02-22" {
		t.Errorf("session 2 starts %s, want its slot Mon 2027-02-22", got)
	}

	both := mustGet(t, res, "dst-2027/pair/berlin/tutorial/t-both/max")
	if got := both.Start.In(berlin).Format("Mon 2006-01-02 15:04"); got != "Thu 2027-03-25 08:00" {
		t.Errorf("t-both due %s, want Thu 2027-03-25 08:00 (3 days before 03-30 is Saturday, Friday is Good Friday)", got)
	}

	p := plan.Build(d, state.New("test"), plan.Options{Now: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
	var reason string
	for _, c := range p.Changes {
		if c.Address == "dst-2027/pair/berlin/session/3" {
			reason = c.Reason
		}
	}
	if want := "moved from 2027-03-29 (Ostermontag in DE-BY for mia)"; !strings.Contains(reason, want) {
		t.Errorf("plan reason for session 3 = %q, want it to contain %q", reason, want)
	}
}
