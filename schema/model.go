package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Program is one declared reverse-mentoring program: the decoded, schema-checked
// content of one CUE package. Maps are keyed by the ids users chose; the
// slices beside them keep the declaration order, which the CUE files define
// and which output follows.
type Program struct {
	// Dir is the directory the program was loaded from, as given to Load.
	Dir string `json:"-"`

	ID        string              `json:"id"`
	Title     string              `json:"title"`
	Language  string              `json:"language"`
	Timezone  string              `json:"timezone"`
	Start     Date                `json:"start"`
	End       Date                `json:"end"`
	Organizer Contact             `json:"organizer"`
	Events    map[string]Event    `json:"events"`
	Sessions  Sessions            `json:"sessions"`
	Tutorials map[string]Tutorial `json:"tutorials"`
	Policy    Policy              `json:"policy"`
	Matching  Matching            `json:"matching"`
	Feedback  Feedback            `json:"feedback,omitzero"`
	Privacy   Privacy             `json:"privacy"`

	People map[string]Person `json:"-"`
	Pairs  map[string]Pair   `json:"-"`
	Moved  []Moved           `json:"-"`

	// Declaration order of the keyed maps above.
	EventIDs    []string `json:"-"`
	TutorialIDs []string `json:"-"`
	PersonIDs   []string `json:"-"`
	PairIDs     []string `json:"-"`

	// Location is the program's time zone, resolved when the program was loaded.
	Location *time.Location `json:"-"`

	src       *source
	schedules map[string][]Session // Schedule's results, by pair
	holidays  *holidays            // public holidays of the regions in use

	// peopleFile is the settings' people file the people came from, if any.
	peopleFile string
}

// Contact is a name with an e-mail address, such as the organizer.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Event is a joint in-person event such as the kick-off.
type Event struct {
	Title       string   `json:"title"`
	Date        Date     `json:"date"`
	Time        Clock    `json:"time"`
	Duration    Duration `json:"duration"`
	Location    string   `json:"location,omitempty"`
	Description string   `json:"description,omitempty"`
	Guests      []string `json:"guests,omitempty"` // people invited besides the pairs
}

// Sessions describes the monthly 1:1 sessions every pair gets.
type Sessions struct {
	Slot          Slot        `json:"slot"`
	Plan          []PlanEntry `json:"plan"`
	Location      string      `json:"location,omitempty"`      // printed in every 1:1 invitation
	OnlineMeeting string      `json:"onlineMeeting,omitempty"` // a link in every 1:1 invitation
}

// Slot is the recurring time of the sessions: the Week-th Weekday of each
// month (-1 = the last) at Time, local to the pair.
type Slot struct {
	Week     int      `json:"week"`
	Weekday  Weekday  `json:"weekday"`
	Time     Clock    `json:"time"`
	Duration Duration `json:"duration"`
}

// PlanEntry is one session of the session plan.
type PlanEntry struct {
	Title     string   `json:"title"`
	Topics    []string `json:"topics"`
	Tutorials []string `json:"tutorials"`
	Agenda    string   `json:"agenda,omitempty"`
}

// Tutorial is a short piece of learning material handed out before a session.
type Tutorial struct {
	Title    string `json:"title"`
	URL      string `json:"url"`
	Minutes  int    `json:"minutes"`
	Audience string `json:"audience"` // "mentor", "mentee" or "both"
	Due      Days   `json:"due"`
	// Author writes the tutorial: "mentor" or "mentee" of each pair
	// (AuthorMentor, AuthorMentee), or a person id; "" = nobody in the
	// program. See Program.TutorialAuthor.
	Author    string `json:"author,omitempty"`
	AuthorDue *Days  `json:"authorDue,omitempty"` // see WritingDue
}

// DefaultAuthorDue is how many days before its session a tutorial's writing
// task is due when authorDue is not given.
const DefaultAuthorDue Days = 7

// WritingDue returns how many days before its session the author's writing
// task is due: authorDue, else DefaultAuthorDue.
func (t Tutorial) WritingDue() Days {
	if t.AuthorDue != nil {
		return *t.AuthorDue
	}
	return DefaultAuthorDue
}

// Authors a tutorial names by the role they have in each pair.
const (
	AuthorMentor = "mentor"
	AuthorMentee = "mentee"
)

// Feedback holds the program's feedback requests; either may be nil.
type Feedback struct {
	Session *SessionFeedback `json:"session,omitempty"`
	Program *ProgramFeedback `json:"program,omitempty"`
}

// SessionFeedback asks each participant of a held session for feedback,
// due After days after the session ends. URL may hold {pair}, {session}
// and {person}.
type SessionFeedback struct {
	URL   string `json:"url"`
	After Days   `json:"after"`
}

// ProgramFeedback asks each participant once for feedback on the whole
// program. After is an event id (due when that event ends) or a number of
// days after the program's end ("0d"); URL may hold {person}.
type ProgramFeedback struct {
	URL   string `json:"url"`
	After string `json:"after"`
}

// Policy holds the program's matching and scheduling rules.
type Policy struct {
	MaxMenteesPerMentor int    `json:"maxMenteesPerMentor"`
	ReportingLine       string `json:"reportingLine"`   // "forbid" | "warn" | "off"
	CrossDepartment     string `json:"crossDepartment"` // "require" | "warn" | "off"
	WorkingHours        struct {
		From Clock `json:"from"`
		To   Clock `json:"to"`
	} `json:"workingHours"`
	Holidays  []string `json:"holidays"`  // public-holiday regions, see holidays.go
	OnHoliday string   `json:"onHoliday"` // "warn" | "shift" | "off"
	Duration  struct {
		MinMonths int `json:"minMonths"`
		MaxMonths int `json:"maxMonths"`
	} `json:"duration"`
}

// Privacy says who sees what of a program in shared calendars.
type Privacy struct {
	Sessions string `json:"sessions"` // "private" (the default) | "public"
}

// PrivateSessions reports whether 1:1 sessions are marked private.
func (p *Program) PrivateSessions() bool { return p.Privacy.Sessions != "public" }

// Matching holds the weights `rmctl match` gives its soft preferences: a
// proposed pair earns up to each weight in points.
type Matching struct {
	Interests       float64 `json:"interests"`
	CrossDepartment float64 `json:"crossDepartment"`
	Seniority       float64 `json:"seniority"`
	TimezoneOverlap float64 `json:"timezoneOverlap"`
}

// Roles a person can take in `rmctl match`.
const (
	RoleMentor = "mentor"
	RoleMentee = "mentee"
)

// Person is a participant: a mentor (the digital native) or a mentee (the
// executive), or someone only referenced as a manager.
type Person struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Department  string `json:"department"`
	Timezone    string `json:"timezone,omitempty"`
	Language    string `json:"language,omitempty"`
	Manager     string `json:"manager,omitempty"`
	Description string `json:"description,omitempty"`
	Holidays    string `json:"holidays,omitempty"` // region; "" = policy.holidays

	Role      string   `json:"role,omitempty"` // RoleMentor, RoleMentee or ""
	Interests []string `json:"interests,omitempty"`
	Languages []string `json:"languages,omitempty"`
}

// Pair statuses.
const (
	StatusActive = "active"
	StatusPaused = "paused"
	StatusEnded  = "ended"
)

// Pair is a mentor/mentee pair.
type Pair struct {
	Mentor   string                     `json:"mentor"`
	Mentee   string                     `json:"mentee"`
	Status   string                     `json:"status"`
	Start    *Date                      `json:"start,omitempty"` // joined late: first slot on or after
	End      *Date                      `json:"end,omitempty"`   // ended or paused from this day
	Language string                     `json:"language,omitempty"`
	Timezone string                     `json:"timezone,omitempty"`
	Slot     *SlotOverride              `json:"slot,omitempty"`
	Sessions map[string]SessionOverride `json:"sessions,omitempty"`
	// Plan is the pair's own session plan; nil: the program's.
	Plan          []PlanEntry `json:"plan,omitempty"`
	Location      string      `json:"location,omitempty"`
	OnlineMeeting string      `json:"onlineMeeting,omitempty"`
}

// SlotOverride replaces parts of the program's slot for one pair.
type SlotOverride struct {
	Week     *int      `json:"week,omitempty"`
	Weekday  *Weekday  `json:"weekday,omitempty"`
	Time     *Clock    `json:"time,omitempty"`
	Duration *Duration `json:"duration,omitempty"`
}

// SessionOverride moves, skips or re-plans one session of one pair. Nil
// fields leave the plan entry's value as it is.
type SessionOverride struct {
	Date      *Date     `json:"date,omitempty"`
	Time      *Clock    `json:"time,omitempty"`
	Skip      bool      `json:"skip"`
	Title     *string   `json:"title,omitempty"`
	Topics    *[]string `json:"topics,omitempty"`
	Tutorials *[]string `json:"tutorials,omitempty"`
}

// Moved records that a pair or event was re-keyed ("pair/old" → "pair/new").
type Moved struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Date is a calendar day without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns the instant the clock shows c on day d in loc. Go's time.Date
// resolves DST gaps and folds the same way every time, so a session keeps its
// local time across switches.
func (d Date) In(c Clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, c.Hour, c.Minute, 0, 0, loc)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Compare returns -1, 0 or 1.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// MonthsUntil returns the length of [d, e] in months, counting a partial
// month as a fraction: 2027-02-01..2027-06-30 is 5 months.
func (d Date) MonthsUntil(e Date) float64 {
	end := e.AddDays(1)
	months := (end.Year-d.Year)*12 + int(end.Month) - int(d.Month)
	days := end.Day - d.Day
	return float64(months) + float64(days)/30.44
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// UnmarshalText implements encoding.TextUnmarshaler so CUE can decode into Date.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Clock is a local time of day.
type Clock struct {
	Hour, Minute int
}

// ParseClock parses "15:04".
func ParseClock(s string) (Clock, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return Clock{}, fmt.Errorf("invalid time %q: want HH:MM", s)
	}
	return Clock{t.Hour(), t.Minute()}, nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Minutes returns the minutes since midnight.
func (c Clock) Minutes() int { return c.Hour*60 + c.Minute }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Duration is a length of time written like "90m" or "3h".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: want for example 60m or 3h", b)
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(formatDuration(d.Duration)), nil }

func formatDuration(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// Days is a number of whole days written like "3d".
type Days int

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Days) UnmarshalText(b []byte) error {
	n, err := strconv.Atoi(strings.TrimSuffix(string(b), "d"))
	// A year bounds every offset a program uses; larger values would only
	// overflow date arithmetic (a due date after its session).
	if err != nil || !strings.HasSuffix(string(b), "d") || n < 0 || n > 366 {
		return fmt.Errorf("invalid number of days %q: want for example 3d (at most 366d)", b)
	}
	*d = Days(n)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Days) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("%dd", int(d))), nil }

// Weekday is a day of the week written in lower case English.
type Weekday time.Weekday

// UnmarshalText implements encoding.TextUnmarshaler.
func (w *Weekday) UnmarshalText(b []byte) error {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(d.String(), string(b)) {
			*w = Weekday(d)
			return nil
		}
	}
	return fmt.Errorf("invalid weekday %q", b)
}

// MarshalText implements encoding.TextMarshaler.
func (w Weekday) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

func (w Weekday) String() string { return strings.ToLower(time.Weekday(w).String()) }
