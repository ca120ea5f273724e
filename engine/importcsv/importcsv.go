// Package importcsv owns the reading of an HR export of people: a CSV file
// as Excel or an HR system writes it (comma or semicolon separated, with or
// without a UTF-8 byte order mark), the mapping of its columns to person
// fields, the ids rmctl derives from e-mail addresses, and the rows that
// cannot be imported (no e-mail, a duplicate e-mail, an unknown manager),
// each with its line number in the file.
//
// It knows nothing of CUE: the caller merges the result into people.cue
// (schema.PeopleFile), which keeps hand-written fields and comments.
package importcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Fields a column can be mapped to, in the order people.cue lists them.
var Fields = []string{"name", "email", "department", "timezone", "language", "manager", "description"}

// aliases are the header names recognised without --map, lower case.
var aliases = map[string][]string{
	"name":        {"name", "full name", "fullname", "display name", "displayname"},
	"email":       {"email", "e-mail", "mail", "email address", "e-mail address", "e-mail-adresse"},
	"department":  {"department", "dept", "org unit", "organisational unit", "organizational unit", "abteilung", "bereich"},
	"timezone":    {"timezone", "time zone", "tz", "zeitzone"},
	"language":    {"language", "sprache"},
	"manager":     {"manager", "manager email", "manager e-mail", "manager id", "vorgesetzte", "vorgesetzter"},
	"description": {"description", "title", "job title", "position", "funktion"},
}

// Mapping maps a person field to the CSV header naming its column.
type Mapping map[string]string

// ParseMapping parses --map "name=Full Name,email=Mail,...".
func ParseMapping(s string) (Mapping, error) {
	m := Mapping{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for _, part := range strings.Split(s, ",") {
		field, header, ok := strings.Cut(part, "=")
		field = strings.TrimSpace(field)
		if !ok || field == "" || strings.TrimSpace(header) == "" {
			return nil, fmt.Errorf("--map %q: want field=Header pairs separated by commas", part)
		}
		if !isField(field) {
			return nil, fmt.Errorf("--map: unknown field %q: use one of %s", field, strings.Join(Fields, ", "))
		}
		m[field] = strings.TrimSpace(header)
	}
	return m, nil
}

func isField(f string) bool {
	for _, x := range Fields {
		if x == f {
			return true
		}
	}
	return false
}

// Row is one data row: its line in the file and its mapped values, trimmed.
type Row struct {
	Line   int
	Values map[string]string
}

// Table is a read export: the columns found for each field and the rows.
type Table struct {
	Columns map[string]string // field → header as written in the file
	Rows    []Row
}

// Read reads a CSV export. The separator (',', ';' or tab) is the one the
// header line uses most; a UTF-8 byte order mark is dropped. Columns are
// found by m, else by common header names; email is required.
func Read(r io.Reader, m Mapping) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the export: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffComma(data)
	cr.FieldsPerRecord = -1 // a short row is empty at the end, not an error
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the export is empty: want a header row and one row per person")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the export: %w", err)
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.ToLower(strings.TrimSpace(h))] = i
	}
	cols := map[string]int{}
	t := &Table{Columns: map[string]string{}}
	for _, f := range Fields {
		if h, ok := m[f]; ok {
			i, found := index[strings.ToLower(h)]
			if !found {
				return nil, fmt.Errorf("--map %s=%s: the export has no column %q (it has: %s)", f, h, h, strings.Join(header, ", "))
			}
			cols[f], t.Columns[f] = i, strings.TrimSpace(header[i])
			continue
		}
		for _, a := range aliases[f] {
			if i, found := index[a]; found {
				cols[f], t.Columns[f] = i, strings.TrimSpace(header[i])
				break
			}
		}
	}
	if _, ok := cols["email"]; !ok {
		return nil, fmt.Errorf("the export has no e-mail column (it has: %s): name it with --map email=HEADER", strings.Join(header, ", "))
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the export: %w", err)
		}
		line, _ := cr.FieldPos(0)
		row := Row{Line: line, Values: map[string]string{}}
		empty := true
		for f, i := range cols {
			if i < len(rec) {
				v := strings.TrimSpace(rec[i])
				row.Values[f] = v
				if v != "" {
					empty = false
				}
			}
		}
		if empty {
			continue // blank lines Excel leaves at the end
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// sniffComma picks the separator the header line uses most.
func sniffComma(data []byte) rune {
	line, _, _ := bufio.NewReader(bytes.NewReader(data)).ReadLine()
	best, n := ',', strings.Count(string(line), ",")
	for _, c := range []rune{';', '\t'} {
		if k := strings.Count(string(line), string(c)); k > n {
			best, n = c, k
		}
	}
	return best
}

// Existing is a person already in people.cue.
type Existing struct {
	ID    string
	Email string
}

// Person is one person to write: their id and the fields the export gives
// (managers resolved to ids). New is false for people already in the file.
type Person struct {
	ID     string
	Line   int
	New    bool
	Fields map[string]string
}

// Problem is a row that cannot be imported.
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// Result is what an import would write.
type Result struct {
	People   []Person
	Problems []Problem
	// Left are ids in people.cue whose e-mail is not in the export.
	Left []string
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Resolve gives every row an id and resolves managers. People already in
// the file keep their id (matched by e-mail, case-insensitively); new ids
// come from the e-mail's local part, made valid and unique. A manager is
// named by e-mail or by id, of someone in the export or in the file.
func Resolve(t *Table, existing []Existing) *Result {
	res := &Result{}
	byEmail := map[string]string{} // lower-case e-mail → id
	taken := map[string]bool{}
	for _, e := range existing {
		byEmail[strings.ToLower(e.Email)] = e.ID
		taken[e.ID] = true
	}
	firstLine := map[string]int{}
	inExport := map[string]bool{}
	var good []Person
	for _, row := range t.Rows {
		email := row.Values["email"]
		key := strings.ToLower(email)
		switch {
		case email == "":
			res.Problems = append(res.Problems, Problem{row.Line, "no e-mail address"})
			continue
		case !emailRE.MatchString(email):
			res.Problems = append(res.Problems, Problem{row.Line, fmt.Sprintf("the %s column does not hold an e-mail address", t.Columns["email"])})
			continue
		case firstLine[key] != 0:
			res.Problems = append(res.Problems, Problem{row.Line, fmt.Sprintf("duplicate e-mail address (first on line %d)", firstLine[key])})
			continue
		}
		firstLine[key] = row.Line
		p := Person{Line: row.Line, Fields: map[string]string{}}
		for f, v := range row.Values {
			if v != "" {
				p.Fields[f] = v
			}
		}
		if id, ok := byEmail[key]; ok {
			p.ID = id
		} else {
			p.ID, p.New = uniqueID(deriveID(email), taken), true
			taken[p.ID] = true
			byEmail[key] = p.ID
		}
		inExport[p.ID] = true
		good = append(good, p)
	}
	// People who will be in the file: everyone already there and every
	// new row with the fields a person needs.
	valid := map[string]bool{}
	for _, e := range existing {
		valid[e.ID] = true
	}
	var kept []Person
	for _, p := range good {
		var missing []string
		for _, f := range []string{"name", "department"} {
			if p.Fields[f] == "" && p.New {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			res.Problems = append(res.Problems, Problem{p.Line, "no " + strings.Join(missing, " and ") + " (people.cue needs them for a new person)"})
			continue
		}
		valid[p.ID] = true
		kept = append(kept, p)
	}
	// Managers must be people who will be in the file. Dropping a row can
	// leave another row's manager unknown, so repeat until nothing changes:
	// --force then never writes a manager that is not there.
	manager := make([]string, len(kept))
	rejected := make([]bool, len(kept))
	for changed := true; changed; {
		changed = false
		for i, p := range kept {
			m := p.Fields["manager"]
			if rejected[i] || m == "" || manager[i] != "" && valid[manager[i]] {
				continue
			}
			var id string
			if strings.Contains(m, "@") {
				id = byEmail[strings.ToLower(m)]
			} else {
				id = m
			}
			msg := ""
			switch {
			case id == "" || !valid[id] && !taken[id]:
				msg = fmt.Sprintf("unknown manager in column %s: not in the export nor in people.cue", t.Columns["manager"])
			case !valid[id]:
				msg = fmt.Sprintf("the manager in column %s is on a row that cannot be imported", t.Columns["manager"])
			case id == p.ID:
				msg = "the person is their own manager"
			}
			if msg != "" {
				res.Problems = append(res.Problems, Problem{p.Line, msg})
				rejected[i] = true
				// Someone already in people.cue stays there (unchanged),
				// so others may still name them as manager.
				if p.New {
					delete(valid, p.ID)
				}
				changed = true
				continue
			}
			manager[i] = id
		}
	}
	for i, p := range kept {
		if rejected[i] {
			continue
		}
		if manager[i] != "" {
			p.Fields["manager"] = manager[i]
		}
		res.People = append(res.People, p)
	}
	for _, e := range existing {
		if !inExport[e.ID] {
			res.Left = append(res.Left, e.ID)
		}
	}
	sort.Strings(res.Left)
	sort.SliceStable(res.Problems, func(i, j int) bool { return res.Problems[i].Line < res.Problems[j].Line })
	return res
}

// transliterations keep German names readable in ids.
var transliterations = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "æ", "ae", "ø", "oe", "å", "aa")

// deriveID makes an #ID (^[a-z0-9][a-z0-9._-]*$) from an e-mail's local part.
func deriveID(email string) string {
	local, _, _ := strings.Cut(email, "@")
	local, _, _ = strings.Cut(local, "+") // sub-addresses are not part of the person
	local = transliterations.Replace(strings.ToLower(local))
	var b strings.Builder
	for _, r := range local {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-':
			b.WriteRune(r)
		case unicode.IsLetter(r):
			b.WriteRune(fold(r))
		default:
			b.WriteRune('-')
		}
	}
	id := strings.TrimLeft(b.String(), "._-")
	if id == "" {
		id = "person"
	}
	return id
}

// fold maps accented Latin letters to their base letter; anything else to '-'.
func fold(r rune) rune {
	const from, to = "àáâãèéêëìíîïòóôõùúûýÿçñšžčřěśłń", "aaaaeeeeiiiioooouuuyycnszcresln"
	for i, f := range []rune(from) {
		if f == r {
			return []rune(to)[i]
		}
	}
	return '-'
}

// uniqueID appends -2, -3, … to id until no one has it.
func uniqueID(id string, taken map[string]bool) string {
	if !taken[id] {
		return id
	}
	for n := 2; ; n++ {
		if c := id + "-" + strconv.Itoa(n); !taken[c] {
			return c
		}
	}
}
