package view_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rmctl/rmctl/engine/plan"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/view"
)

// Names and titles come from program files anyone can change in a pull
// request: in the review comment they must not notify a team, link to or
// load from another site, or open HTML.
func TestPlanMarkdownEscapesUserMarkup(t *testing.T) {
	evil := []resource.Attendee{{ID: "a", Name: "@org/team @@org2", Email: "a@example.com"}, {ID: "b", Name: "&#64;octocat", Email: "b@example.com"}}
	p := &plan.Plan{
		Summary: plan.Summary{Create: 1},
		Changes: []plan.Change{{
			Address: "p/event/x", Action: plan.Create, Reason: "new",
			After: &resource.Resource{
				Title: "[x](http://evil) ![t](https://evil/t.png) www.evil.example <img src=x>",
				Start: time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC), Timezone: "UTC",
				Attendees: evil,
			},
		}},
		Impact: []plan.Impact{{Person: "a", Name: "@org/team", Send: 1}, {Person: "b", Name: "[x](http://evil)", Send: 1}},
	}
	var b bytes.Buffer
	if err := view.PlanMarkdown(&b, p, view.PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, bad := range []string{"@org", "@@", "&#64;octocat", "[x](", "![t](", "http://", "https://", "www.evil", "<img"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown contains %q:\n%s", bad, md)
		}
	}
	if !strings.Contains(md, `\[x\]`) || !strings.Contains(md, "@&#8203;org/team") {
		t.Errorf("markdown does not show the escaped text:\n%s", md)
	}
}
