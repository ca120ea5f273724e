package caldav

import (
	"time"

	"github.com/rmctl/rmctl/engine/ical"
)

// object is what drift detection needs of a stored calendar object.
type object struct {
	uid         string
	address     string // X-RMCTL-ADDRESS; "" when rmctl did not write it
	summary     string
	description string
	location    string
	start, end  time.Time // DUE as start for a VTODO
	status      string    // upper case; "" when absent
	sequence    int
	attendees   []string // sorted, lower case, without mailto:
}

// parseObject reads a stored object the way ical.Equivalent compares them.
func parseObject(data []byte) (*object, error) {
	f, err := ical.ReadFacts(data)
	if err != nil {
		return nil, err
	}
	return &object{
		uid: f.UID, address: f.Address, summary: f.Summary, description: f.Description,
		location: f.Location, start: f.Start, end: f.End, status: f.Status,
		sequence: f.Sequence, attendees: f.Attendees,
	}, nil
}
