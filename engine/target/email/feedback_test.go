package email

import (
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/target"
	"github.com/rmctl/rmctl/internal/testserver"
)

// TestFeedbackNotice checks that a feedback request, an assignment like a
// tutorial, asks for feedback instead of preparation, and its withdrawal
// says so, with the filled-in link.
func TestFeedbackNotice(t *testing.T) {
	t.Parallel()
	s := testserver.SMTP(t)
	tg := newTarget(t, Config{Addr: s.Addr})

	fb := tutorial()
	fb.Address = "dl-2027/pair/klaus-anna/feedback/1/klaus.mueller"
	fb.UID = resource.UID(fb.Address)
	fb.Title = "Feedback zu Session 1: Social Media"
	fb.URL = "https://forms.example.com/rm?p=klaus-anna&s=1"
	deliver(t, tg, target.Delivery{Action: target.Create, Resource: fb})
	deliver(t, tg, target.Delivery{Action: target.Cancel, Resource: fb, Sequence: 1})
	msgs, _ := received(t, s, 0, 2)
	for i, want := range []string{"Bitte um Ihr Feedback:", "Diese Bitte um Feedback entfällt:"} {
		text := string(msgs[i].part(t, "text/plain").Body)
		if !strings.Contains(text, want) || !strings.Contains(text, "Link: "+fb.URL) {
			t.Errorf("message %d lacks %q or the link:\n%s", i, want, text)
		}
		if strings.Contains(text, "Vorbereitung") {
			t.Errorf("message %d asks for preparation:\n%s", i, text)
		}
	}
}
