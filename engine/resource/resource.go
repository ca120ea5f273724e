// Package resource defines what rmctl manages: calendar sessions, group
// events and tutorial assignments, each with a stable address and UID. It is
// the vocabulary shared by expansion, plans, state and targets, and holds no
// logic beyond identity and content hashing.
package resource

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/google/uuid"
)

// Kind is the kind of a resource.
type Kind string

// Kinds of resources.
const (
	Session    Kind = "session"    // a 1:1 session of a pair
	Event      Kind = "event"      // a joint in-person event of a program
	Assignment Kind = "assignment" // a tutorial one person should complete before a session
)

// Role says how an attendee takes part.
type Role string

// Roles.
const (
	Mentor      Role = "mentor"
	Mentee      Role = "mentee"
	Participant Role = "participant"
)

// Contact is a named e-mail address.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Attendee is a person invited to a resource.
type Attendee struct {
	ID    string `json:"id"` // person id in the program
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  Role   `json:"role"`
	// PartStat is the attendee's known answer (ACCEPTED, DECLINED, ...)
	// that an update sends back unchanged instead of asking again; empty
	// means NEEDS-ACTION. It comes from state, not from declarations, so
	// it is neither stored in snapshots nor hashed.
	PartStat string `json:"-"`
}

// Resource is one concrete thing rmctl sends: an invitation (session or
// event) or a tutorial assignment. Times are UTC; Timezone names the zone
// people read them in.
type Resource struct {
	Address     string    `json:"address"`
	UID         string    `json:"uid"`
	Kind        Kind      `json:"kind"`
	Program     string    `json:"program"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Location    string    `json:"location,omitempty"`
	URL         string    `json:"url,omitempty"`
	Start       time.Time `json:"start"`        // for an assignment: when it is due
	End         time.Time `json:"end,omitzero"` // zero for an assignment
	// Block and Minutes place an assignment in calendars that show no
	// tasks: a time block of Minutes starting at Block (on the working day
	// before it is due). Zero for sessions and events.
	Block     time.Time  `json:"block,omitzero"`
	Minutes   int        `json:"minutes,omitempty"`
	Timezone  string     `json:"timezone"` // IANA zone for display
	Language  string     `json:"language"` // "de" or "en"
	Organizer Contact    `json:"organizer"`
	Attendees []Attendee `json:"attendees"`
	// PersonZones maps attendees' person ids to the IANA zone each reads
	// times in where it differs from Timezone, so that a message can show
	// the time in its recipients' zones too. It is display only: not in snapshots or hashes, so a
	// cancellation rebuilt from state shows the resource's zone alone.
	PersonZones map[string]string `json:"personZones,omitempty"`
	// Private marks a 1:1 session CLASS:PRIVATE: colleagues with access to
	// an attendee's calendar see only that the time is busy.
	Private bool `json:"private,omitempty"`
}

// uidNamespace is the UUIDv5 namespace of rmctl UIDs. Changing it would
// re-identify every resource ever sent, so it is fixed forever.
var uidNamespace = uuid.MustParse("6f1c1d2e-8c4b-5f2a-9a61-3c0e5b7d9a10")

// UID derives a resource's iCalendar UID from its address alone, never from
// dates or names, so a moved session keeps its identity and calendars update
// it instead of adding a second one.
func UID(address string) string {
	return uuid.NewSHA1(uidNamespace, []byte(address)).String() + "@rmctl"
}

// Address joins address segments: Address("dl-2027", "pair", "klaus-anna",
// "session", "3") is "dl-2027/pair/klaus-anna/session/3".
func Address(segs ...string) string { return strings.Join(segs, "/") }

// Snapshot is the compact record of a resource that state keeps: enough to
// show what changed field by field and to send a cancellation, without the
// full invitation text (only its hash).
type Snapshot struct {
	Kind            Kind       `json:"kind"`
	Program         string     `json:"program"`
	Title           string     `json:"title"`
	Location        string     `json:"location,omitempty"`
	URL             string     `json:"url,omitempty"`
	Start           time.Time  `json:"start"`
	End             time.Time  `json:"end,omitzero"`
	Block           time.Time  `json:"block,omitzero"`
	Minutes         int        `json:"minutes,omitempty"`
	Timezone        string     `json:"timezone"`
	Language        string     `json:"language"`
	Organizer       Contact    `json:"organizer"`
	Attendees       []Attendee `json:"attendees"`
	DescriptionHash string     `json:"descriptionHash"`
	Private         bool       `json:"private,omitempty"`
}

// Snapshot returns the compact record of r.
func (r *Resource) Snapshot() Snapshot {
	return Snapshot{
		Kind: r.Kind, Program: r.Program, Title: r.Title, Location: r.Location, URL: r.URL,
		Start: r.Start, End: r.End, Block: r.Block, Minutes: r.Minutes, Timezone: r.Timezone, Language: r.Language,
		Organizer: r.Organizer, Attendees: r.Attendees, DescriptionHash: hashString(r.Description),
		Private: r.Private,
	}
}

// Hash is the content hash of r: equal hashes mean nothing a participant
// would see has changed. It covers the snapshot, which covers the text.
func (r *Resource) Hash() string { s := r.Snapshot(); return s.Hash() }

// Hash is the content hash of the snapshot; it equals the hash of the
// resource the snapshot was taken from. Fields are written with their
// lengths into one buffer, so no two different snapshots write the same
// bytes; plans hash every declared resource, so this avoids reflection and
// per-field allocations.
func (s *Snapshot) Hash() string {
	buf := make([]byte, 0, 256+len(s.Title)+len(s.Location)+len(s.URL)+len(s.Attendees)*64)
	str := func(v string) {
		buf = strconv.AppendInt(buf, int64(len(v)), 10)
		buf = append(buf, ':')
		buf = append(buf, v...)
	}
	tm := func(t time.Time) {
		if t.IsZero() {
			str("")
			return
		}
		buf = t.UTC().AppendFormat(buf, "20060102T150405Z")
	}
	str(string(s.Kind))
	str(s.Program)
	str(s.Title)
	str(s.Location)
	str(s.URL)
	tm(s.Start)
	tm(s.End)
	str(s.Timezone)
	str(s.Language)
	str(s.Organizer.Name)
	str(s.Organizer.Email)
	buf = strconv.AppendInt(buf, int64(len(s.Attendees)), 10)
	for _, a := range s.Attendees {
		str(a.ID)
		str(a.Name)
		str(a.Email)
		str(string(a.Role))
	}
	str(s.DescriptionHash)
	if !s.Block.IsZero() || s.Minutes != 0 {
		// Appended only when set, so the hashes of resources without a
		// block stay what they were before blocks existed.
		tm(s.Block)
		buf = strconv.AppendInt(append(buf, '|'), int64(s.Minutes), 10)
	}
	if s.Private {
		// Written only when set, so public resources keep the hashes they
		// had before privacy existed; a private one changes once and is
		// re-sent with CLASS:PRIVATE.
		str("private")
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:12])
}

// FromSnapshot rebuilds a resource from its snapshot, for cancellations of
// resources that are no longer declared. The description is lost.
func FromSnapshot(address, uid string, s Snapshot) Resource {
	return Resource{
		Address: address, UID: uid, Kind: s.Kind, Program: s.Program, Title: s.Title,
		Location: s.Location, URL: s.URL, Start: s.Start, End: s.End, Block: s.Block, Minutes: s.Minutes, Timezone: s.Timezone,
		Language: s.Language, Organizer: s.Organizer, Attendees: s.Attendees, Private: s.Private,
	}
}

// hashString hashes s without copying it: descriptions are long and every
// declared resource's is hashed on each plan. sha256 only reads its input.
func hashString(s string) string { return hashBytes(unsafe.Slice(unsafe.StringData(s), len(s))) }

func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// Match reports whether address matches a --target or --exclude pattern: a
// glob over slash-separated segments ("*" stays within a segment, "**"
// matches any number of them), or a plain prefix of whole segments
// ("dl-2027/pair/klaus-anna" matches all of that pair's resources).
func Match(pattern, address string) bool {
	if !strings.ContainsAny(pattern, "*?[") {
		return address == pattern || strings.HasPrefix(address, strings.TrimSuffix(pattern, "/")+"/")
	}
	return matchSegs(strings.Split(pattern, "/"), strings.Split(address, "/"))
}

func matchSegs(pat, addr []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(addr); i++ {
				if matchSegs(pat[1:], addr[i:]) {
					return true
				}
			}
			return false
		}
		if len(addr) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], addr[0]); err != nil || !ok {
			return false
		}
		pat, addr = pat[1:], addr[1:]
	}
	// A glob that matched a prefix of whole segments selects what lies below it.
	return true
}
