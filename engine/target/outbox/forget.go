package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
)

// Forget removes person p from the outbox: their objects and feed; every
// message addressed to them (the messages folder is a log of what was sent,
// and a message to a group names everyone in it) or about a resource state
// forgets (gone); others' copies of the resources state forgets (their
// sessions with p, the partner's tasks); and p's ATTENDEE in others'
// copies of joint events. The feeds of everyone whose objects changed are
// rebuilt. Everything is matched by e-mail address (in the unfolded text,
// so a line folded in its middle still counts) or by UID and address,
// never by name: two people may share a name, and the other one's copies
// must stay.
func (o *Outbox) Forget(ctx context.Context, p target.Person, gone, _ []*state.Entry) (target.Forgotten, error) {
	if err := checkID(p.ID); err != nil {
		return nil, fmt.Errorf("outbox: forget: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	done := target.Forgotten{}
	goneAddr, goneFile := map[string]bool{}, map[string]bool{}
	for _, e := range gone {
		goneAddr[e.Address] = true
		goneFile[objectName(e.UID)] = true
	}

	own := filepath.Join(o.dir, ObjectsDir, p.ID)
	n, err := countFiles(own)
	if err != nil {
		return nil, fmt.Errorf("outbox: forget: %w", err)
	}
	if err := os.RemoveAll(own); err != nil {
		return nil, fmt.Errorf("outbox: forget: objects of %s: %w", p.ID, err)
	}
	done["objects"] += n
	feed := filepath.Join(o.dir, FeedsDir, p.ID+".ics")
	if _, err := os.Stat(feed); err == nil {
		if err := removeFile(feed); err != nil {
			return nil, fmt.Errorf("outbox: forget: feed of %s: %w", p.ID, err)
		}
		done["feeds"]++
	}

	msgs, err := os.ReadDir(filepath.Join(o.dir, MessagesDir))
	if err != nil {
		return nil, fmt.Errorf("outbox: forget: %w", err)
	}
	for _, e := range msgs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := filepath.Join(o.dir, MessagesDir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("outbox: forget: %w", err)
		}
		if !mentions(data, p) {
			if addr, _, err := ical.Owner(data); err != nil || !goneAddr[addr] {
				continue
			}
		}
		if err := removeFile(path); err != nil {
			return nil, fmt.Errorf("outbox: forget: %w", err)
		}
		done["messages"]++
		if _, _, key, ok := splitName(e.Name()); ok {
			delete(o.index, key)
		}
	}

	others, err := os.ReadDir(filepath.Join(o.dir, ObjectsDir))
	if err != nil {
		return nil, fmt.Errorf("outbox: forget: %w", err)
	}
	var w writes
	for _, d := range others {
		if !d.IsDir() {
			continue
		}
		changed, err := o.forgetIn(ctx, d.Name(), p, goneFile, done)
		if err != nil {
			return nil, err
		}
		if changed {
			if err := o.rebuildFeed(&w, d.Name()); err != nil {
				return nil, err
			}
		}
	}
	if err := w.sync(&o.syncer, o.dir); err != nil {
		return nil, fmt.Errorf("outbox: forget: sync feeds: %w", err)
	}
	return done, nil
}

// forgetIn takes p out of another person's objects: the copies of what
// state forgets go, a joint event loses p's ATTENDEE, anything else
// addressed to p goes.
func (o *Outbox) forgetIn(ctx context.Context, id string, p target.Person, goneFile map[string]bool, done target.Forgotten) (changed bool, err error) {
	dir := filepath.Join(o.dir, ObjectsDir, id)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("outbox: forget: %w", err)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".ics") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !goneFile[e.Name()] {
			data, err := os.ReadFile(path)
			if err != nil {
				return false, fmt.Errorf("outbox: forget: %w", err)
			}
			if !mentions(data, p) {
				continue
			}
			if facts, err := ical.ReadFacts(data); err == nil && isEvent(facts.Address) {
				out, _, err := ical.WithoutAttendee(data, p.Emails)
				if err != nil {
					return false, fmt.Errorf("outbox: forget: %s: %w", path, err)
				}
				if err := writeAtomic(path, out); err != nil {
					return false, fmt.Errorf("outbox: forget: %w", err)
				}
				changed = true
				done["edited objects"]++
				continue
			}
		}
		changed = true
		if err := removeFile(path); err != nil {
			return false, fmt.Errorf("outbox: forget: %w", err)
		}
		done["objects"]++
	}
	return changed, nil
}

// mentions reports whether an iCalendar text holds one of p's e-mail
// addresses (in any case), after unfolding its lines.
func mentions(data []byte, p target.Person) bool {
	un := bytes.ToLower(bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n "), nil), []byte("\r\n\t"), nil))
	return slices.ContainsFunc(p.Emails, func(e string) bool { return e != "" && bytes.Contains(un, []byte(strings.ToLower(e))) })
}

// isEvent reports whether an address is a joint event's: prog/event/id.
func isEvent(address string) bool {
	segs := strings.Split(address, "/")
	return len(segs) == 3 && segs[1] == "event"
}

func countFiles(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	return len(entries), err
}

func checkID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) {
		return fmt.Errorf("person id %q is not a single path segment", id)
	}
	return nil
}
