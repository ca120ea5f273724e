// Package target defines the seam between apply and the places invitations
// go (an outbox folder, a CalDAV server, e-mail): one Delivery per planned
// action, and the Target interface every backend implements. Backends live
// in sub-packages.
package target

import (
	"context"
	"time"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
)

// Action is what a delivery does to a resource.
type Action string

// Actions.
const (
	Create Action = "create"
	Update Action = "update"
	Cancel Action = "cancel"
)

// Method returns the iTIP method that carries the action.
func (a Action) Method() string {
	if a == Cancel {
		return "CANCEL"
	}
	return "REQUEST"
}

// Delivery is one planned action handed to a target.
type Delivery struct {
	Action Action
	// Resource is the desired resource for create and update, and the last
	// applied one (rebuilt from state, without description) for cancel.
	Resource resource.Resource
	// Sequence is the iCalendar SEQUENCE to send: 0 on create (one more
	// than its CANCEL when the resource was cancelled before), one more
	// than the last sent on update and cancel.
	Sequence int
	// Removed are attendees of the last applied version who are no longer
	// invited: they get a CANCEL while the rest get the update.
	Removed []resource.Attendee
	// Refs are where the target stored the resource last time (from state).
	Refs []state.Ref
	// Stamp is the DTSTAMP of the messages: when apply sent them.
	Stamp time.Time
}

// Target carries out deliveries. Deliver must be idempotent for a given
// delivery (UID, Sequence, Action, recipients and content): apply may repeat
// a delivery whose outcome it did not learn (a crash, a timeout), and the
// target must then look at what it holds rather than send a second copy. It
// returns the refs to keep in state. Attendee ids are safe as file and path
// names (the schema restricts them). Deliver is called from several
// goroutines at once; Finish only after all deliveries returned.
type Target interface {
	Deliver(ctx context.Context, d Delivery) ([]state.Ref, error)
}

// Finisher is implemented by targets with work to do once per apply after
// all deliveries, such as rebuilding calendar feeds. Finish also runs after
// an apply that delivered nothing, so it must repair what an interrupted
// earlier run left behind.
type Finisher interface {
	Finish(ctx context.Context) error
}

// Person is someone `rmctl forget` removes: their id and every e-mail
// address rmctl recorded for them (targets match by address, never by
// name: two people may share one).
type Person struct {
	ID     string
	Emails []string
}

// Forgotten counts what a Forgetter removed, by kind of thing ("objects",
// "feeds", "messages", "edited objects").
type Forgotten map[string]int

// Forgetter is implemented by targets that keep copies of what they sent:
// after the person's future invitations were cancelled through apply,
// Forget removes what the target still holds about them (their calendar
// objects, feeds and sent messages, and their attendee entry in the copies
// others keep). gone are the state entries being removed (their pairs'
// resources, past ones included), edited the joint events they are being
// taken out of, both as state held them before.
type Forgetter interface {
	Forget(ctx context.Context, p Person, gone, edited []*state.Entry) (Forgotten, error)
}
