// Command gen writes a large, valid rmctl program for load and performance
// tests:
//
//	go run ./examples/gen -pairs 1000 -out /tmp/big
//
// The program has N pairs and 2N people in three files (program.cue,
// people.cue, pairs.cue; beyond 12,500 pairs people.cue is split into
// people-2.cue, ... of 25,000 people each). Executives are the mentees; each of them except
// the first reports to another executive, so reporting lines are a few
// levels deep. Mentors come from other departments and report to a mentor
// in their own department. E-mails are unique, everyone works in
// Europe/Berlin, and every mentor has one mentee. Pairs get varied slots
// and some moved or skipped sessions. The output depends only on N.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

var (
	firstNames = []string{
		"Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jonas",
		"Katrin", "Lukas", "Marie", "Nils", "Olga", "Paul", "Rosa", "Stefan", "Tanja", "Uwe",
		"Vera", "Wolfgang", "Yasemin", "Zoe", "Jürgen", "Björn", "Sören", "Jörg", "Mia", "Leon",
	}
	lastNames = []string{
		"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
		"Schulz", "Hoffmann", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
		"Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
		"Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid", "Yılmaz", "Nowak",
	}
	// Mentees and mentors never share a department, so every pair crosses one.
	execDepartments   = []string{"Vorstand", "Vertrieb", "Finanzen", "Produktion", "Einkauf", "Logistik", "Recht"}
	mentorDepartments = []string{"Marketing", "IT", "Personal", "Data & Analytics", "Design"}
	weekdays          = []string{"monday", "tuesday", "wednesday", "thursday", "friday"}
)

// fanout is how many people report to one manager.
const fanout = 4

type person struct {
	id, name, dept, manager string
}

// peoplePerFile keeps each people file near 5 MB.
const peoplePerFile = 25000

func main() {
	n := flag.Int("pairs", 100, "number of pairs (the program gets twice as many people)")
	out := flag.String("out", "", "directory to write program.cue, people.cue and pairs.cue to (created if missing)")
	flag.Parse()
	if *n < 1 || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(*n), 2027))

	// People 0..n-1 are the executives, n..2n-1 the mentors.
	execs := make([]person, *n)
	for i := range execs {
		execs[i] = newPerson(rng, i, execDepartments[i%len(execDepartments)])
		if i > 0 {
			execs[i].manager = execs[(i-1)/fanout].id
		}
	}
	mentors := make([]person, *n)
	d := len(mentorDepartments)
	for j := range mentors {
		mentors[j] = newPerson(rng, *n+j, mentorDepartments[j%d])
		// Within a department, mentors form a tree: position p reports to (p-1)/fanout.
		if p := j / d; p > 0 {
			mentors[j].manager = mentors[((p-1)/fanout)*d+j%d].id
		}
	}
	mentorOf := rng.Perm(*n)

	write(*out, "program.cue", func(w *bufio.Writer) { writeProgram(w, *n) })
	// rmctl reads program files of at most 10 MB: large programs get their
	// people in several files, as a real one would.
	everyone := append(execs, mentors...)
	for part := 0; part*peoplePerFile < len(everyone); part++ {
		name := "people.cue"
		if part > 0 {
			name = fmt.Sprintf("people-%d.cue", part+1)
		}
		chunk := everyone[part*peoplePerFile : min(len(everyone), (part+1)*peoplePerFile)]
		write(*out, name, func(w *bufio.Writer) {
			fmt.Fprintf(w, "// %d executives (mentees) and %d mentors, all in Europe/Berlin.\npackage generated\n\npeople: {\n", *n, *n)
			for _, p := range chunk {
				writePerson(w, p)
			}
			fmt.Fprint(w, "}\n")
		})
	}
	write(*out, "pairs.cue", func(w *bufio.Writer) {
		fmt.Fprintf(w, "// %d pairs, one mentee per mentor.\npackage generated\n\npairs: {\n", *n)
		for i, e := range execs {
			writePair(w, rng, i, mentors[mentorOf[i]], e)
		}
		fmt.Fprint(w, "}\n")
	})
}

// newPerson picks a name; the index k keeps ids and e-mails unique.
func newPerson(rng *rand.Rand, k int, dept string) person {
	first := firstNames[rng.IntN(len(firstNames))]
	last := lastNames[rng.IntN(len(lastNames))]
	id := fmt.Sprintf("%s.%s.%d", ascii(first), ascii(last), k)
	return person{id: id, name: first + " " + last, dept: dept}
}

// ascii turns a name into an id part: lower case, umlauts spelled out.
func ascii(s string) string {
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "ı", "i").Replace(strings.ToLower(s))
}

func writePerson(w *bufio.Writer, p person) {
	fmt.Fprintf(w, "\t%q: {\n", p.id)
	fmt.Fprintf(w, "\t\tname:       %q\n", p.name)
	fmt.Fprintf(w, "\t\temail:      %q\n", p.id+"@example.com")
	fmt.Fprintf(w, "\t\tdepartment: %q\n", p.dept)
	fmt.Fprintf(w, "\t\ttimezone:   %q\n", "Europe/Berlin")
	if p.manager != "" {
		fmt.Fprintf(w, "\t\tmanager:    %q\n", p.manager)
	}
	fmt.Fprint(w, "\t}\n")
}

// writePair writes pair i. Sessions stay clear of the events, which fall in
// the first and fourth week of a month: slots use weeks 2 and 3 only, on a
// weekday between 08:00 and 17:00.
func writePair(w *bufio.Writer, rng *rand.Rand, i int, mentor, mentee person) {
	fmt.Fprintf(w, "\t\"pair-%d\": {\n", i)
	fmt.Fprintf(w, "\t\tmentor: %q\n", mentor.id)
	fmt.Fprintf(w, "\t\tmentee: %q\n", mentee.id)
	if i%3 != 0 {
		fmt.Fprintf(w, "\t\tslot: {week: %d, weekday: %q, time: \"%02d:00\"}\n",
			2+rng.IntN(2), weekdays[rng.IntN(len(weekdays))], 8+rng.IntN(10))
	}
	switch {
	case i%10 == 9:
		fmt.Fprint(w, "\t\tsessions: \"3\": skip: true\n")
	case i%7 == 6:
		fmt.Fprint(w, "\t\tsessions: \"2\": time: \"09:00\"\n")
	}
	fmt.Fprint(w, "\t}\n")
}

func write(dir, name string, body func(*bufio.Writer)) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	body(w)
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func writeProgram(w *bufio.Writer, n int) {
	fmt.Fprintf(w, programTemplate, n, n, n)
}

// programTemplate is the program: five months, three events, five sessions.
const programTemplate = `// A generated reverse-mentoring program with %d pairs (examples/gen).
package generated

program: {
	id:       "gen-%d"
	title:    "Generiertes Reverse-Mentoring-Programm (%d Tandems)"
	language: "de"
	timezone: "Europe/Berlin"
	start:    "2027-02-01"
	end:      "2027-06-30"
	organizer: {
		name:  "Personalentwicklung"
		email: "reverse-mentoring@example.com"
	}
	events: {
		kickoff: {title: "Kick-off", date: "2027-02-03", time: "09:30", duration: "3h", location: "Zentrale, Forum"}
		midpoint: {title: "Halbzeit", date: "2027-04-07", time: "14:00", duration: "2h", location: "Zentrale, Forum"}
		closing: {title: "Abschluss", date: "2027-06-23", time: "14:00", duration: "3h", location: "Zentrale, Forum"}
	}
	sessions: {
		slot: {week: 2, weekday: "tuesday", time: "16:00", duration: "60m"}
		plan: [
			{title: "Social Media: Begrifflichkeiten, Einblicke und Prinzipien", topics: ["Begriffe", "Prinzipien"], tutorials: ["sm-grundlagen"]},
			{title: "Social Business Collaboration: Einsatzbereiche im Unternehmen", topics: ["Einsatzbereiche"], tutorials: ["sbc-einsatz"]},
			{title: "Einblicke in das Social Intranet", topics: ["Profil", "Communities"], tutorials: ["intranet"]},
			{title: "Social Business Collaboration in der Praxis", topics: ["Dokumente", "Aufgaben"], tutorials: ["sbc-praxis"]},
			{title: "Anwendungsmöglichkeiten für Führungskräfte", topics: ["Digital führen"], tutorials: ["digital-fuehren"]},
		]
	}
	tutorials: {
		"sm-grundlagen": {title: "Social-Media-Grundlagen", url: "https://intranet.example.com/lernen/social-media", minutes: 20}
		"sbc-einsatz": {title: "Einsatzbereiche", url: "https://intranet.example.com/lernen/einsatzbereiche", minutes: 20}
		intranet: {title: "Das Social Intranet", url: "https://intranet.example.com/hilfe/erste-schritte", minutes: 15, audience: "mentee"}
		"sbc-praxis": {title: "Zusammenarbeit in der Praxis", url: "https://intranet.example.com/lernen/praxis", minutes: 30}
		"digital-fuehren": {title: "Digital führen", url: "https://intranet.example.com/lernen/digital-fuehren", minutes: 45, audience: "mentee", due: "5d"}
	}
	policy: {
		maxMenteesPerMentor: 1
		reportingLine:       "forbid"
		crossDepartment:     "require"
	}
}
`
