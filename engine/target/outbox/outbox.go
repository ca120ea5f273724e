// Package outbox is rmctl's embedded default target: it needs no server and
// writes everything into one folder, which it owns entirely.
//
//	messages/<run stamp>-<counter>-<address>-s<seq>-<method>-<recipients>.ics
//	    one iTIP message (METHOD REQUEST or CANCEL) per action and recipient
//	    set, named so that a listing sorts them in the order they were written
//	objects/<person id>/<uid>.ics
//	    the latest version of every current resource, per attendee (a
//	    joint event's copy lists the organizer and that person only)
//	feeds/<person id>.ics
//	    one subscribable calendar per person: their events and their
//	    tutorials (as short VEVENT blocks, or VTODO with Options.Tasks),
//	    rebuilt from objects/ at Finish
//	.feeds-dirty
//	    present while a run has delivered but not finished
//
// Deliver is idempotent per (address, SEQUENCE, method, recipient set): a
// message already in messages/ is not written again, so a run repeated
// after a crash between writing a message and recording state leaves each
// message exactly once. Every file is written atomically (temporary file in
// the same directory, then rename), and temporary files a killed run left
// behind are removed by New.
//
// Refs: Deliver returns no refs. Everything the outbox needs to find a
// resource again follows from the delivery itself (objects are named by
// attendee and UID), so state has nothing to keep for it.
package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rmctl/rmctl/engine/ical"
	"github.com/rmctl/rmctl/engine/resource"
	"github.com/rmctl/rmctl/engine/state"
	"github.com/rmctl/rmctl/engine/target"
)

// Names inside the outbox folder.
const (
	MessagesDir = "messages"
	ObjectsDir  = "objects"
	FeedsDir    = "feeds"
	DirtyMarker = ".feeds-dirty"

	tmpPrefix = ".tmp-"
	// methodUninvite marks, inside the outbox, a CANCEL to attendees
	// removed from a resource that goes on (ical.Uninvite); its file is
	// named "cancel" like any other.
	methodUninvite = "UNINVITE"
	stampLayout    = "20060102T150405Z"
)

// Options configure an Outbox.
type Options struct {
	// Now is the clock for the run stamp in message names and for the
	// DTSTAMP of deliveries without a Stamp; time.Now if nil.
	Now func() time.Time
	// FeedName is the calendar name (X-WR-CALNAME) of a person's feed,
	// given their id and name ("" when no delivery ever named them);
	// "Reverse Mentoring (<name>)", else "Reverse Mentoring (<person id>)",
	// if nil. The name is kept in objects/<id>/.name, so a feed rebuilt
	// after a crash is named as one rebuilt after delivery.
	FeedName func(personID, name string) string
	// Tasks writes tutorial assignments as VTODO, for feeds read by clients
	// that show tasks. By default they are their calendar-visible form, a
	// short VEVENT (ical.BlockUID), because Outlook and Google Calendar
	// ignore VTODO.
	Tasks bool
}

// Outbox writes deliveries into a folder. Deliver may be called
// concurrently; Finish must not run concurrently with Deliver.
type Outbox struct {
	dir      string
	now      func() time.Time
	feedName func(id, name string) string
	form     []ical.Option // how assignments are written

	mu sync.Mutex
	// index maps the idempotency key of a message (its file name after the
	// run stamp and counter) to its state; filled from messages/ by New.
	index map[string]*message
	// lastStamp and lastCounter are the highest name prefix in messages/,
	// so new names sort after everything already there.
	lastStamp   string
	lastCounter int
	runStamp    string // set by the first delivery of this Outbox value
	counter     int
	// marked: this Outbox wrote the dirty marker and has not finished.
	marked bool
	// staleMarker: the marker was there before this Outbox delivered
	// anything, so an earlier run died before its Finish.
	staleMarker bool
	touched     map[string]bool   // person ids whose feeds are out of date
	names       map[string]string // person id → name, from this run's deliveries

	syncer groupSync // one syncfs for the deliveries waiting at once
}

// message is the state of one idempotency key: done is closed once the
// file exists (ok) or writing it failed (!ok, and the key is dropped).
type message struct {
	done chan struct{}
	ok   bool
	path string // written by this Outbox; "" for messages found on disk
}

// New opens (creating as needed) the outbox at dir, removes temporary
// files left by a killed run and indexes the messages already written.
func New(dir string, opts Options) (*Outbox, error) {
	o := &Outbox{
		dir: dir, now: opts.Now, feedName: opts.FeedName,
		index: map[string]*message{}, touched: map[string]bool{}, names: map[string]string{},
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.feedName == nil {
		o.feedName = func(id, name string) string {
			if name == "" {
				name = id
			}
			return "Reverse Mentoring (" + name + ")"
		}
	}
	if opts.Tasks {
		o.form = []ical.Option{ical.AsTask()}
	}
	// Every file here names people and their e-mail addresses: the
	// outbox is private to its owner wherever settings put it (0700
	// folders, 0600 files), as state is. rmctl publish copies feeds to
	// a web server's folder under modes of its own.
	for _, sub := range []string{MessagesDir, ObjectsDir, FeedsDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), privateDir); err != nil {
			return nil, fmt.Errorf("outbox: create %s: %w", sub, err)
		}
	}
	// An outbox written by an older rmctl has open folders (0755) and
	// files (0644): closing its own folder is enough to keep others out
	// of all of it.
	if info, err := os.Stat(dir); err == nil && info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, privateDir); err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
	}
	if err := removeTemps(dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, DirtyMarker)); err == nil {
		o.staleMarker = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("outbox: %w", err)
	}

	entries, err := os.ReadDir(filepath.Join(dir, MessagesDir))
	if err != nil {
		return nil, fmt.Errorf("outbox: index messages: %w", err)
	}
	written := &message{done: make(chan struct{}), ok: true}
	close(written.done)
	for _, e := range entries {
		stamp, counter, key, ok := splitName(e.Name())
		if !ok {
			continue
		}
		o.index[key] = written
		if stamp > o.lastStamp || stamp == o.lastStamp && counter > o.lastCounter {
			o.lastStamp, o.lastCounter = stamp, counter
		}
	}
	return o, nil
}

// removeTemps deletes temporary files anywhere in the outbox: they are
// writes a killed run never renamed into place.
func removeTemps(dir string) error {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), tmpPrefix) {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: remove temporary files: %w", err)
	}
	return nil
}

// splitName splits a message file name into run stamp, counter and the
// idempotency key after them. The stamp and the counter hold no '-'.
func splitName(name string) (stamp string, counter int, key string, ok bool) {
	if strings.HasPrefix(name, tmpPrefix) || !strings.HasSuffix(name, ".ics") {
		return "", 0, "", false
	}
	parts := strings.SplitN(name, "-", 3)
	if len(parts) != 3 {
		return "", 0, "", false
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return "", 0, "", false
	}
	return parts[0], n, parts[2], true
}

// Deliver writes the messages of d, then updates the attendees' objects.
// It returns no refs.
func (o *Outbox) Deliver(ctx context.Context, d target.Delivery) ([]state.Ref, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := d.Resource
	if r.Address == "" || r.UID == "" {
		return nil, fmt.Errorf("outbox: delivery of resource %q without address or UID", r.Address)
	}
	if err := checkPeople(r.Attendees, d.Removed); err != nil {
		return nil, fmt.Errorf("outbox: %s: %w", r.Address, err)
	}
	if err := o.begin(); err != nil {
		return nil, err
	}
	stamp := d.Stamp
	if stamp.IsZero() {
		stamp = o.now()
	}

	// Who gets which message, and whose objects stay or go. A cancel
	// during an update uninvites (the event goes on for the others).
	var request, cancel, keep, drop []resource.Attendee
	partial := false
	switch d.Action {
	case target.Create, target.Update:
		request, keep = r.Attendees, r.Attendees
		partial = true
		// An address no longer invited gets a cancellation, even when its
		// person still is (their e-mail changed); a person no longer
		// invited also loses the object in their feed.
		for _, a := range d.Removed {
			if !slices.ContainsFunc(r.Attendees, func(b resource.Attendee) bool { return strings.EqualFold(b.Email, a.Email) }) {
				cancel = append(cancel, a)
			}
			if !slices.ContainsFunc(r.Attendees, func(b resource.Attendee) bool { return b.ID == a.ID }) {
				drop = append(drop, a)
			}
		}
	case target.Cancel:
		cancel = union(r.Attendees, d.Removed)
		drop = cancel
	default:
		return nil, fmt.Errorf("outbox: %s: unknown action %q", r.Address, d.Action)
	}
	// Messages and objects are made durable together, by one sync at the
	// end, before state records the delivery.
	var w writes
	// iTIP needs at least one attendee: a resource nobody is invited to
	// sends no message (its objects are still kept or removed).
	if len(request) > 0 {
		if err := o.writeMessage(ctx, &w, ical.MethodRequest, r, d.Sequence, stamp, request); err != nil {
			return nil, err
		}
	}
	if len(cancel) > 0 {
		method := ical.MethodCancel
		if partial {
			method = methodUninvite
		}
		if err := o.writeMessage(ctx, &w, method, r, d.Sequence, stamp, cancel); err != nil {
			return nil, err
		}
	}

	if len(keep) > 0 {
		// A joint event's copy in a person's folder (and feed) lists the
		// organizer and that person only: the full list of thousands of
		// attendees in each of thousands of copies made the outbox grow
		// with the square of the program, and nobody needs to see who else
		// comes in their own calendar. Sessions keep both people.
		var obj []byte
		if r.Kind != resource.Event {
			var err error
			if obj, err = ical.Object(r, d.Sequence, stamp, "", o.form...); err != nil {
				return nil, fmt.Errorf("outbox: %w", err)
			}
		}
		for _, a := range keep {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			obj := obj
			if r.Kind == resource.Event {
				own := r
				own.Attendees = []resource.Attendee{a}
				var err error
				if obj, err = ical.Object(own, d.Sequence, stamp, "", o.form...); err != nil {
					return nil, fmt.Errorf("outbox: %w", err)
				}
			}
			dir := filepath.Join(o.dir, ObjectsDir, a.ID)
			if err := os.MkdirAll(dir, privateDir); err != nil {
				return nil, fmt.Errorf("outbox: %s: %w", r.Address, err)
			}
			if err := w.write(filepath.Join(dir, objectName(r.UID)), obj); err != nil {
				return nil, fmt.Errorf("outbox: %s: object for %s: %w", r.Address, a.ID, err)
			}
		}
	}
	for _, a := range drop {
		path := filepath.Join(o.dir, ObjectsDir, a.ID, objectName(r.UID))
		if err := w.remove(path); err != nil {
			return nil, fmt.Errorf("outbox: %s: remove object of %s: %w", r.Address, a.ID, err)
		}
	}
	// One sync for all of it: state records the delivery right after.
	if err := w.sync(&o.syncer, o.dir); err != nil {
		return nil, fmt.Errorf("outbox: %s: sync objects: %w", r.Address, err)
	}

	o.mu.Lock()
	for _, a := range union(keep, drop) {
		o.touched[a.ID] = true
	}
	for _, a := range keep {
		o.names[a.ID] = a.Name
	}
	o.mu.Unlock()
	return nil, nil
}

// begin starts a run on the first delivery: it fixes the run stamp and
// writes the dirty marker before anything else, so a run killed at any
// later point leaves the marker behind for the next Finish.
func (o *Outbox) begin() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.runStamp == "" {
		s := o.now().UTC().Format(stampLayout)
		// A name must sort after every name already written, even when the
		// clock went back or an earlier run started in the same second.
		switch {
		case s < o.lastStamp:
			s, o.counter = o.lastStamp, o.lastCounter
		case s == o.lastStamp:
			o.counter = o.lastCounter
		}
		o.runStamp = s
	}
	if !o.marked {
		path := filepath.Join(o.dir, DirtyMarker)
		if err := writeAtomic(path, []byte(o.runStamp+"\n")); err != nil {
			return fmt.Errorf("outbox: mark feeds dirty: %w", err)
		}
		o.marked = true
	}
	return nil
}

// writeMessage writes one iTIP message unless one with the same key exists.
// It joins w, which the caller syncs.
func (o *Outbox) writeMessage(ctx context.Context, w *writes, method string, r resource.Resource, seq int, stamp time.Time, to []resource.Attendee) error {
	keyMethod := method
	if method == methodUninvite {
		keyMethod = ical.MethodCancel
	}
	key := messageKey(r.Address, seq, keyMethod, to, r.Hash())
	for {
		o.mu.Lock()
		m, found := o.index[key]
		if !found {
			m = &message{done: make(chan struct{})}
			o.index[key] = m
			o.counter++
			name := fmt.Sprintf("%s-%06d-%s", o.runStamp, o.counter, key)
			m.path = filepath.Join(o.dir, MessagesDir, name)
			o.mu.Unlock()
			// Written outside the lock so that workers write in parallel;
			// the name, reserved under the lock, keeps the order.
			err := o.writeMessageFile(w, name, method, r, seq, stamp, to)
			o.mu.Lock()
			m.ok = err == nil
			if err != nil {
				delete(o.index, key)
			}
			close(m.done)
			o.mu.Unlock()
			return err
		}
		o.mu.Unlock()
		// Another worker writes (or wrote) the same message: its outcome
		// is ours, unless it failed and we must try ourselves.
		select {
		case <-m.done:
			if m.ok {
				// Ours to sync too: the writer may not have yet.
				if m.path != "" {
					w.files = append(w.files, m.path)
					w.note(filepath.Dir(m.path))
				}
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (o *Outbox) writeMessageFile(w *writes, name, method string, r resource.Resource, seq int, stamp time.Time, to []resource.Attendee) error {
	var data []byte
	var err error
	if method == methodUninvite {
		method = ical.MethodCancel
		data, err = ical.Uninvite(r, seq, stamp, to, o.form...)
	} else {
		data, err = ical.Message(method, r, seq, stamp, to, o.form...)
	}
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := w.write(filepath.Join(o.dir, MessagesDir, name), data); err != nil {
		return fmt.Errorf("outbox: %s: write %s message: %w", r.Address, method, err)
	}
	return nil
}

// messageKey is the idempotency key of a message and the end of its file
// name: address, SEQUENCE, method and a hash of the recipient addresses
// (a list of them could exceed a file name's length) and of the content. The
// content counts because a run that died after writing a message but before
// recording it re-plans with the same SEQUENCE: if the declaration changed
// in between, the new text must still go out.
func messageKey(address string, seq int, method string, to []resource.Attendee, content string) string {
	emails := make([]string, 0, len(to))
	for _, a := range to {
		emails = append(emails, strings.ToLower(a.Email))
	}
	slices.Sort(emails)
	emails = slices.Compact(emails)
	sum := sha256.Sum256([]byte(strings.Join(emails, "\n") + "\n" + content))
	return fmt.Sprintf("%s-s%d-%s-%s.ics", safeName(address, 150), seq, strings.ToLower(method), hex.EncodeToString(sum[:4]))
}

// safeName makes s usable as one file name: '/' and anything outside
// [A-Za-z0-9._@-] become '_', and a name longer than max is cut and made
// unique again with a hash of s.
func safeName(s string, max int) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '@' || c == '-') {
			b[i] = '_'
		}
	}
	out := string(b)
	if len(out) > max {
		sum := sha256.Sum256([]byte(s))
		out = out[:max-17] + "~" + hex.EncodeToString(sum[:8])
	}
	return out
}

func objectName(uid string) string { return safeName(uid, 200) + ".ics" }

// checkPeople refuses person ids that are not a single path segment: they
// name directories and feed files.
func checkPeople(lists ...[]resource.Attendee) error {
	for _, l := range lists {
		for _, a := range l {
			if a.ID == "" || a.ID == "." || a.ID == ".." || strings.HasPrefix(a.ID, tmpPrefix) ||
				strings.ContainsAny(a.ID, `/\`+"\x00") {
				return fmt.Errorf("attendee %q has no usable person id %q", a.Email, a.ID)
			}
		}
	}
	return nil
}

func union(a, b []resource.Attendee) []resource.Attendee {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.ContainsFunc(out, func(y resource.Attendee) bool { return y.ID == x.ID }) {
			out = append(out, x)
		}
	}
	return out
}

// Finish rebuilds the feeds of everyone this Outbox delivered to, or of
// everyone when an earlier run died before its Finish, then clears the
// dirty marker.
func (o *Outbox) Finish(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, err := os.Stat(filepath.Join(o.dir, DirtyMarker))
	markerExists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("outbox: %w", err)
	}
	people := map[string]bool{}
	if o.staleMarker || markerExists && !o.marked {
		if err := o.allPeople(people); err != nil {
			return err
		}
	}
	for id := range o.touched {
		people[id] = true
	}
	ids := make([]string, 0, len(people))
	for id := range people {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var w writes
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := o.rebuildFeed(&w, id); err != nil {
			return err
		}
	}
	// The feeds must be durable before the marker goes.
	if err := w.sync(&o.syncer, o.dir); err != nil {
		return fmt.Errorf("outbox: sync feeds: %w", err)
	}
	if err := removeFile(filepath.Join(o.dir, DirtyMarker)); err != nil {
		return fmt.Errorf("outbox: clear dirty marker: %w", err)
	}
	o.marked, o.staleMarker = false, false
	clear(o.touched)
	return nil
}

// allPeople adds everyone with objects or a feed: a person whose last
// object went away still needs their feed emptied.
func (o *Outbox) allPeople(people map[string]bool) error {
	objs, err := os.ReadDir(filepath.Join(o.dir, ObjectsDir))
	if err != nil {
		return fmt.Errorf("outbox: list objects: %w", err)
	}
	for _, e := range objs {
		if e.IsDir() {
			people[e.Name()] = true
		}
	}
	feeds, err := os.ReadDir(filepath.Join(o.dir, FeedsDir))
	if err != nil {
		return fmt.Errorf("outbox: list feeds: %w", err)
	}
	for _, e := range feeds {
		if id, ok := strings.CutSuffix(e.Name(), ".ics"); ok && !e.IsDir() && !strings.HasPrefix(id, tmpPrefix) {
			people[id] = true
		}
	}
	return nil
}

// rebuildFeed writes feeds/<id>.ics from objects/<id>/.
func (o *Outbox) rebuildFeed(w *writes, id string) error {
	dir := filepath.Join(o.dir, ObjectsDir, id)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("outbox: feed of %s: %w", id, err)
	}
	var objects [][]byte
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), tmpPrefix) || !strings.HasSuffix(e.Name(), ".ics") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("outbox: feed of %s: %w", id, err)
		}
		objects = append(objects, data)
	}
	name, err := o.personName(w, id)
	if err != nil {
		return fmt.Errorf("outbox: feed of %s: %w", id, err)
	}
	feed, err := ical.Feed(o.feedName(id, name), objects)
	if err != nil {
		return fmt.Errorf("outbox: feed of %s: %w", id, err)
	}
	if err := w.write(filepath.Join(o.dir, FeedsDir, id+".ics"), feed); err != nil {
		return fmt.Errorf("outbox: feed of %s: %w", id, err)
	}
	return nil
}

// nameFile holds a person's name in their objects folder, for naming their
// feed when it is rebuilt by a run that delivered nothing to them.
const nameFile = ".name"

// personName returns the name this run's deliveries gave person id, and
// records it when it changed; else the name recorded before ("" if none).
func (o *Outbox) personName(w *writes, id string) (string, error) {
	path := filepath.Join(o.dir, ObjectsDir, id, nameFile)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	name, ok := o.names[id]
	if !ok {
		return string(old), nil
	}
	if name != string(old) {
		if err := w.write(path, []byte(name)); err != nil {
			return "", err
		}
	}
	return name, nil
}

// writes is a group of file replacements and removals made durable by one
// sync: an event's objects for thousands of people, or all feeds, would
// otherwise cost two fsyncs each (file and directory), which made apply
// wait on the disk most of its time.
type writes struct {
	files []string
	dirs  map[string]bool
}

// write replaces path with data, atomically (temporary file, rename) but
// not yet durably.
func (w *writes) write(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(privateFile)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	w.files = append(w.files, path)
	w.note(dir)
	return nil
}

// remove removes path if it exists; removing what is gone is success.
func (w *writes) remove(path string) error {
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	w.note(filepath.Dir(path))
	return nil
}

func (w *writes) note(dir string) {
	if w.dirs == nil {
		w.dirs = map[string]bool{}
	}
	w.dirs[dir] = true
}

// sync makes the group durable: the file system holding root at once
// where the platform can (syncfs on Linux), else file by file and
// directory by directory.
func (w *writes) sync(g *groupSync, root string) error {
	if len(w.files) == 0 && len(w.dirs) == 0 {
		return nil
	}
	if err := g.syncAll(root, w.files, w.dirs); err != nil {
		return err
	}
	w.files, w.dirs = nil, nil
	return nil
}

// syncEach is syncAll one by one.
func syncEach(files []string, dirs map[string]bool) error {
	for _, path := range files {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // replaced or removed since; its successor is synced
		}
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	for dir := range dirs {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return nil
}

// Modes of the outbox's folders and files.
const (
	privateDir  = 0o700
	privateFile = 0o600
)

// writeAtomic replaces path with data so that readers (and a run after a
// crash) see the old file or the new one, never a part. The data is synced
// before the rename and the directory after it, because state records the
// delivery as done right after Deliver returns.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(privateFile); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// removeFile removes path if it exists; removing what is gone is success,
// since a repeated delivery may find its work done.
func removeFile(path string) error {
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

var (
	_ target.Target   = (*Outbox)(nil)
	_ target.Finisher = (*Outbox)(nil)
)
