package schema

import (
	"fmt"
	"strconv"

	"github.com/rmctl/rmctl/internal/address"
)

// The checks of per-pair plans, re-planned sessions and event guests.

// checkPairPlans reports tutorials a pair's own plan or a re-planned session
// names that are not declared, at the entry that names them.
func (c *checker) checkPairPlans() {
	p := c.p
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		for i, e := range pair.Plan {
			for j, t := range e.Tutorials {
				c.checkTutorialRef(t, at("pairs", id, "plan", Index(i), "tutorials", Index(j)))
			}
		}
		for _, n := range sortedKeys(pair.Sessions) {
			if o := pair.Sessions[n]; o.Tutorials != nil {
				for j, t := range *o.Tutorials {
					c.checkTutorialRef(t, at("pairs", id, "sessions", n, "tutorials", Index(j)))
				}
			}
		}
	}
}

func (c *checker) checkTutorialRef(t string, where []string) {
	if _, ok := c.p.Tutorials[t]; ok {
		return
	}
	hint := ""
	if best := closest(t, c.p.TutorialIDs); best != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", best)
	}
	c.errorf(where, "%q is not a declared tutorial%s", t, hint)
}

// checkPairPlanFits reports a pair's own plan that runs past the program's
// end, at its first entry that does not fit. Unlike a late pair, which
// gets the program's plan and is warned that its last sessions drop out,
// the user wrote this plan for this pair: like the program's own plan
// running past the end, it is an error.
func (c *checker) checkPairPlanFits() {
	p := c.p
	for _, id := range p.PairIDs {
		if p.Pairs[id].Plan == nil || !c.pairReady(id) {
			continue
		}
		var unfit []Session
		for _, s := range p.Schedule(id) {
			if s.Unfit {
				unfit = append(unfit, s)
			}
		}
		if len(unfit) == 0 {
			continue
		}
		first := unfit[0]
		which := "it"
		if len(unfit) > 1 {
			which = "it and the " + strconv.Itoa(len(unfit)-1) + " after it"
		}
		c.errorf(at("pairs", id, "plan", Index(first.Number-1)),
			"session %d (%s) of pair %s falls on %s, after the program ends (%s): shorten the pair's plan or extend the program (%s would not take place)",
			first.Number, first.Entry.Title, id, DateOf(first.Start), p.End, which)
	}
}

// checkGuests reports event guests who are not declared people.
func (c *checker) checkGuests() {
	p := c.p
	for _, id := range p.EventIDs {
		seen := map[string]bool{}
		for i, g := range p.Events[id].Guests {
			where := at("program", "events", id, "guests", Index(i))
			if _, ok := p.People[g]; !ok {
				c.errorf(where, "guest %q is not a declared person%s", g, c.suggestPerson(g))
				continue
			}
			if seen[g] {
				c.warnf(where, "guest %s is listed twice", g)
			}
			seen[g] = true
		}
	}
}

// pairTutorials returns the tutorials pairs' own plans and re-planned
// sessions name.
func (c *checker) pairTutorials() map[string]bool {
	used := map[string]bool{}
	for _, pair := range c.p.Pairs {
		for _, e := range pair.Plan {
			for _, t := range e.Tutorials {
				used[t] = true
			}
		}
		for _, o := range pair.Sessions {
			if o.Tutorials != nil {
				for _, t := range *o.Tutorials {
					used[t] = true
				}
			}
		}
	}
	return used
}

// checkMeetingPlaces checks the meeting links as invitations need them
// (the calendar encoder refuses what package address refuses, so validate
// must refuse it first), and the topics of pairs' own and re-planned
// sessions as the program's (see checkValues).
func (c *checker) checkMeetingPlaces() {
	p := c.p
	link := func(u string, where []string) {
		if u == "" {
			return
		}
		// The link is not repeated: it may hold a password.
		if err := address.URL(u); err != nil {
			c.errorf(where, "the meeting link %v", err)
		}
	}
	link(p.Sessions.OnlineMeeting, at("program", "sessions", "onlineMeeting"))
	topics := func(n, session int, where []string) {
		if n > maxTopics {
			c.errorf(where, "session %d lists %d topics; at most %d fit in an invitation: move details to the agenda", session, n, maxTopics)
		}
	}
	for _, id := range p.PairIDs {
		pair := p.Pairs[id]
		link(pair.OnlineMeeting, at("pairs", id, "onlineMeeting"))
		for i, e := range pair.Plan {
			topics(len(e.Topics), i+1, at("pairs", id, "plan", Index(i), "topics"))
		}
		for _, n := range sortedKeys(pair.Sessions) {
			if o := pair.Sessions[n]; o.Topics != nil {
				k, _ := strconv.Atoi(n)
				topics(len(*o.Topics), k, at("pairs", id, "sessions", n, "topics"))
			}
		}
	}
}
