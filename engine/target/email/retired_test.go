package email

import (
	"testing"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/internal/testserver"
)

// A resource cancelled and created again (a pair paused and resumed) is
// sent as apply plans it, at a SEQUENCE above the CANCEL: the invitation
// carries that SEQUENCE and a Message-ID of its own, so neither calendars
// (which ignore a REQUEST not above the CANCEL they hold) nor mail systems
// that de-duplicate by Message-ID drop it as the first invitation again.
func TestRecreatedAboveCancel(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr})
	r := kickoff()
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: r, Sequence: 0})
	gone := resource.FromSnapshot(r.Address, r.UID, r.Snapshot())
	deliver(t, tg, target.Delivery{Action: target.Cancel, Resource: gone, Sequence: 1})
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: r, Sequence: 2})

	msgs, env := received(t, s, 0, 3)
	checkInvitation(t, msgs[1], env[1], gone, "CANCEL", 1, "Abgesagt: Kick-off", r.Attendees)
	checkInvitation(t, msgs[2], env[2], r, "REQUEST", 2, "Einladung: Kick-off", r.Attendees)
	if a, b := msgs[0].Header.Get("Message-Id"), msgs[2].Header.Get("Message-Id"); a == b {
		t.Errorf("the invitation sent again has the first one's Message-ID %s", a)
	}
}
