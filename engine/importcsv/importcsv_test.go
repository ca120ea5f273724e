package importcsv

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func read(t *testing.T, csv string, m Mapping) *Table {
	t.Helper()
	tab, err := Read(strings.NewReader(csv), m)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// An export as German Excel saves it: BOM, ';', CRLF, a blank last row.
func TestReadExcel(t *testing.T) {
	csv := "\ufeffFull Name;Mail;Org Unit;Manager Email;TZ\r\n" +
		"Anna Schmidt;anna.schmidt@example.com;Marketing;;Europe/Berlin\r\n" +
		"\"Müller; Klaus\";klaus.mueller@example.com;Vorstand;anna.schmidt@example.com;\r\n" +
		";;;;\r\n"
	tab := read(t, csv, nil)
	wantCols := map[string]string{"name": "Full Name", "email": "Mail", "department": "Org Unit", "manager": "Manager Email", "timezone": "TZ"}
	if diff := cmp.Diff(wantCols, tab.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if len(tab.Rows) != 2 || tab.Rows[0].Line != 2 || tab.Rows[1].Line != 3 {
		t.Fatalf("rows %+v, want lines 2 and 3", tab.Rows)
	}
	if got := tab.Rows[1].Values["name"]; got != "Müller; Klaus" {
		t.Errorf("quoted name %q", got)
	}
}

func TestMapping(t *testing.T) {
	m, err := ParseMapping("name=Display, email = Work Mail")
	if err != nil {
		t.Fatal(err)
	}
	tab := read(t, "Display,Work Mail,Mail\nAnn,ann@example.com,other@example.com\n", m)
	if got := tab.Rows[0].Values["email"]; got != "ann@example.com" {
		t.Errorf("--map email=Work Mail read %q", got)
	}
	if _, err := ParseMapping("nme=Name"); err == nil || !strings.Contains(err.Error(), `unknown field "nme"`) {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := Read(strings.NewReader("Name,Mail\n"), Mapping{"email": "E-Mail"}); err == nil || !strings.Contains(err.Error(), `no column "E-Mail"`) {
		t.Errorf("missing mapped column: %v", err)
	}
	if _, err := Read(strings.NewReader("Name,Dept\nAnn,IT\n"), nil); err == nil || !strings.Contains(err.Error(), "no e-mail column") {
		t.Errorf("no e-mail column: %v", err)
	}
}

func TestIDs(t *testing.T) {
	csv := "name,email,department\n" +
		"Jürgen Weber,Jürgen.Weber@example.com,IT\n" +
		"Jürgen Weber,juergen.weber@other.example.com,IT\n" + // same local part, another person
		"Anna,anna+rm@example.com,IT\n" +
		"Zoë,_zoë.o'neil@example.com,IT\n" +
		"Kept,KEPT.Person@Example.com,IT\n"
	res := Resolve(read(t, csv, nil), []Existing{{ID: "kept-id", Email: "kept.person@example.com"}})
	if len(res.Problems) > 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	var got []string
	for _, p := range res.People {
		got = append(got, p.ID)
	}
	want := []string{"juergen.weber", "juergen.weber-2", "anna", "zoe.o-neil", "kept-id"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if res.People[4].New || !res.People[0].New {
		t.Error("a person matched by e-mail is new, or a new one is not")
	}
}

func TestBadRows(t *testing.T) {
	csv := "name,email,department,manager\n" +
		"Ann,ann@example.com,IT,\n" + // 2
		"No Mail,,IT,\n" + // 3
		"Ann Again,ANN@example.com,IT,\n" + // 4
		"Bob,bob@example.com,IT,carol@example.com\n" + // 5: unknown manager
		"Dan,dan@example.com,IT,ann\n" + // 6: manager by id
		"Eve,eve@example.com,IT,eve@example.com\n" + // 7
		"Fay,not-an-address,IT,\n" + // 8
		",gus@example.com,,\n" // 9: new person without name and department
	res := Resolve(read(t, csv, nil), []Existing{{ID: "old", Email: "old@example.com"}})
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"line 3: no e-mail address",
		"line 4: duplicate e-mail address (first on line 2)",
		"line 5: unknown manager in column manager: not in the export nor in people.cue",
		"line 7: the person is their own manager",
		"line 8: the email column does not hold an e-mail address",
		"line 9: no name and department (people.cue needs them for a new person)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if len(res.People) != 2 || res.People[1].ID != "dan" || res.People[1].Fields["manager"] != "ann" {
		t.Errorf("good rows %+v", res.People)
	}
	if diff := cmp.Diff([]string{"old"}, res.Left); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	for _, p := range got {
		if strings.Contains(p, "@") {
			t.Errorf("a problem prints an e-mail address: %s", p)
		}
	}
}

// A row that cannot be imported takes the rows it manages with it, so
// --force never writes a manager who is not in people.cue.
func TestManagerOnBadRow(t *testing.T) {
	csv := "name,email,department,manager\n" +
		",boss@example.com,,\n" + // 2: new, no name: not imported
		"Mid,mid@example.com,IT,boss@example.com\n" + // 3: manager on line 2
		"Low,low@example.com,IT,mid\n" + // 4: manager on line 3
		"Old,old@example.com,IT,nobody\n" + // 5: in people.cue, unknown manager: stays as it is
		"Kid,kid@example.com,IT,old@example.com\n" // 6: manager stays in people.cue: fine
	res := Resolve(read(t, csv, nil), []Existing{{ID: "old", Email: "old@example.com"}})
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"line 2: no name and department (people.cue needs them for a new person)",
		"line 3: the manager in column manager is on a row that cannot be imported",
		"line 4: the manager in column manager is on a row that cannot be imported",
		"line 5: unknown manager in column manager: not in the export nor in people.cue",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if len(res.People) != 1 || res.People[0].ID != "kid" || res.People[0].Fields["manager"] != "old" {
		t.Errorf("people %+v, want only kid (manager old)", res.People)
	}
}
