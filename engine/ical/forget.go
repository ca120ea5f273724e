package ical

import (
	"fmt"

	goical "github.com/emersion/go-ical"
)

// WithoutAttendee returns a stored object with every ATTENDEE of one of
// the given addresses removed and everything else as it was, and whether
// one was removed: `rmctl forget` takes a person out of the copies of a
// joint event that others keep, without re-encoding (and so changing) the
// rest of the object.
func WithoutAttendee(data []byte, emails []string) ([]byte, bool, error) {
	cal, err := decode(data)
	if err != nil {
		return nil, false, fmt.Errorf("ical: %w", err)
	}
	drop := map[string]bool{}
	for _, e := range emails {
		drop[addressOf(&goical.Prop{Value: e})] = true
	}
	removed := false
	for _, c := range cal.Children {
		var keep []goical.Prop
		for _, p := range c.Props[goical.PropAttendee] {
			if drop[addressOf(&p)] {
				removed = true
				continue
			}
			keep = append(keep, p)
		}
		if len(keep) == 0 {
			delete(c.Props, goical.PropAttendee)
		} else {
			c.Props[goical.PropAttendee] = keep
		}
	}
	if !removed {
		return data, false, nil
	}
	out, err := encode(cal, "object")
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}
