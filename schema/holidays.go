package schema

import (
	"fmt"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	calat "github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/us"
)

// Public holidays come from github.com/rickar/cal/v2, a maintained library
// that computes them (Easter offsets, "first Monday of", observed days)
// instead of listing dates that run out. Its coverage decides the regions
// rmctl accepts; README.md names them. Two regions are composed here from
// the library's parts because it has no list of its own for them:
//   - US-NY: the library has US federal holidays only; New York's own
//     (Lincoln's Birthday, Election Day) close state offices, not employers,
//     so a New York office keeps the federal list.
//   - SG: the library has no Singapore calendar. The fixed-date and Easter
//     holidays are built from its common definitions; the lunar ones
//     (Chinese New Year, Hari Raya Puasa and Haji, Vesak Day, Deepavali)
//     are gazetted each year and are not covered.

// holidayRegions returns the holiday list of every region rmctl knows.
// It is built per call (a few dozen slices of shared pointers) so the
// package keeps no mutable state.
func holidayRegions() map[string][]*cal.Holiday {
	sunday := []cal.AltDay{{Day: time.Sunday, Offset: 1}}
	sg := []*cal.Holiday{
		aa.NewYear.Clone(&cal.Holiday{Observed: sunday}),
		aa.GoodFriday,
		aa.WorkersDay.Clone(&cal.Holiday{Name: "Labour Day", Observed: sunday}),
		{Name: "National Day", Type: cal.ObservancePublic, Month: time.August, Day: 9, Func: cal.CalcDayOfMonth, Observed: sunday},
		aa.ChristmasDay.Clone(&cal.Holiday{Name: "Christmas Day", Observed: sunday}),
	}
	return map[string][]*cal.Holiday{
		"AT": calat.Holidays,
		"CH": ch.Holidays, "CH-AG": ch.HolidaysAG, "CH-AI": ch.HolidaysAI, "CH-AR": ch.HolidaysAR,
		"CH-BE": ch.HolidaysBE, "CH-BL": ch.HolidaysBL, "CH-BS": ch.HolidaysBS, "CH-FR": ch.HolidaysFR,
		"CH-GE": ch.HolidaysGE, "CH-GL": ch.HolidaysGL, "CH-GR": ch.HolidaysGR, "CH-JU": ch.HolidaysJU,
		"CH-LU": ch.HolidaysLU, "CH-NE": ch.HolidaysNE, "CH-NW": ch.HolidaysNW, "CH-OW": ch.HolidaysOW,
		"CH-SG": ch.HolidaysSG, "CH-SH": ch.HolidaysSH, "CH-SO": ch.HolidaysSO, "CH-SZ": ch.HolidaysSZ,
		"CH-TG": ch.HolidaysTG, "CH-TI": ch.HolidaysTI, "CH-UR": ch.HolidaysUR, "CH-VD": ch.HolidaysVD,
		"CH-VS": ch.HolidaysVS, "CH-ZG": ch.HolidaysZG, "CH-ZH": ch.HolidaysZH,
		"DE": de.Holidays, "DE-BB": de.HolidaysBB, "DE-BE": de.HolidaysBE, "DE-BW": de.HolidaysBW,
		"DE-BY": de.HolidaysBY, "DE-HB": de.HolidaysHB, "DE-HE": de.HolidaysHE, "DE-HH": de.HolidaysHH,
		"DE-MV": de.HolidaysMV, "DE-NI": de.HolidaysNI, "DE-NW": de.HolidaysNW, "DE-RP": de.HolidaysRP,
		"DE-SH": de.HolidaysSH, "DE-SL": de.HolidaysSL, "DE-SN": de.HolidaysSN, "DE-ST": de.HolidaysST,
		"DE-TH": de.HolidaysTH,
		"GB":    gb.Holidays, // England and Wales
		"SG":    sg,
		"US":    us.Holidays, "US-NY": us.Holidays,
	}
}

// KnownHolidayRegions returns the region codes policy.holidays and
// people.X.holidays accept, sorted.
func KnownHolidayRegions() []string {
	return sortedKeys(holidayRegions())
}

// holidays answers "is this day a public holiday in this region" for the
// years a program spans. Built once per program at load, read-only after,
// so expansion may read it from many goroutines.
type holidays struct {
	days map[string]map[Date]string // region → day → holiday name
}

// newHolidays computes the holidays of regions for the years first..last.
// Unknown regions are left out (they are reported by the checks).
func newHolidays(regions []string, first, last int) *holidays {
	known := holidayRegions()
	h := &holidays{days: map[string]map[Date]string{}}
	for _, r := range regions {
		list, ok := known[r]
		if !ok || h.days[r] != nil {
			continue
		}
		days := map[Date]string{}
		for y := first; y <= last; y++ {
			for _, hol := range list {
				if hol.Type != cal.ObservancePublic && hol.Type != cal.ObservanceBank {
					continue
				}
				actual, observed := hol.Calc(y)
				for _, t := range []time.Time{actual, observed} {
					if t.IsZero() {
						continue
					}
					d := DateOf(t)
					if _, dup := days[d]; !dup {
						days[d] = hol.Name
					}
				}
			}
		}
		h.days[r] = days
	}
	return h
}

// PersonRegions returns the public-holiday regions of a person: their own,
// else the program's.
func (p *Program) PersonRegions(id string) []string {
	if r := p.People[id].Holidays; r != "" {
		return []string{r}
	}
	return p.Policy.Holidays
}

// DayOff says why day d is not a working day for a person ("Saturday",
// "Whit Monday in DE-BY"), or "" when it is one. Weekends are Saturday and
// Sunday everywhere.
func (p *Program) DayOff(person string, d Date) string {
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	if wd == time.Saturday || wd == time.Sunday {
		return wd.String()
	}
	if p.holidays == nil {
		return ""
	}
	for _, r := range p.PersonRegions(person) {
		if name, ok := p.holidays.days[r][d]; ok {
			return name + " in " + r
		}
	}
	return ""
}

// dayOffAt is DayOff for the local day of instant t in the person's zone.
func (p *Program) dayOffAt(person string, t time.Time) string {
	return p.DayOff(person, DateOf(t.In(p.PersonZone(person))))
}

// resolveHolidays computes the holidays of every region the program uses.
// It runs before any schedule is made, because shifting sessions needs it.
func (p *Program) resolveHolidays() {
	regions := append([]string(nil), p.Policy.Holidays...)
	for _, id := range p.PersonIDs {
		if r := p.People[id].Holidays; r != "" {
			regions = append(regions, r)
		}
	}
	p.holidays = newHolidays(regions, p.Start.Year-1, max(p.End.Year, p.Start.Year)+1)
}

// checkHolidayRegions reports regions rmctl has no holidays for.
func (c *checker) checkHolidayRegions() {
	p := c.p
	known := holidayRegions()
	check := func(r string, where []string) {
		if _, ok := known[r]; ok {
			return
		}
		names := KnownHolidayRegions()
		// Codes are too short for edit-distance guesses ("FR" is one letter
		// from "AT"); only a difference in case is worth a hint.
		hint := ""
		if _, ok := known[strings.ToUpper(r)]; ok {
			hint = fmt.Sprintf(" (did you mean %q?)", strings.ToUpper(r))
		}
		c.errorf(where, "unknown holiday region %q%s: known regions are %s", r, hint, strings.Join(names, ", "))
	}
	for i, r := range p.Policy.Holidays {
		check(r, at("program", "policy", "holidays", Index(i)))
	}
	for _, id := range p.PersonIDs {
		if r := p.People[id].Holidays; r != "" {
			check(r, at("people", id, "holidays"))
		}
	}
}
