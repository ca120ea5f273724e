package view_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rmctl/rmctl/engine/report"
	"github.com/rmctl/rmctl/engine/view"
)

func TestReportGoldens(t *testing.T) {
	r := report.Build(exampleTimeline(t))
	var txt, md, js, csvPlain, csvExcel bytes.Buffer
	if err := view.ReportText(&txt, r); err != nil {
		t.Fatal(err)
	}
	if err := view.ReportMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := view.ReportJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if err := view.ReportCSV(&csvPlain, r, view.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := view.ReportCSV(&csvExcel, r, view.CSVOptions{BOM: true, Delimiter: ';'}); err != nil {
		t.Fatal(err)
	}

	// Management gets ids, never e-mail addresses.
	for name, b := range map[string]*bytes.Buffer{"text": &txt, "markdown": &md, "json": &js, "csv": &csvPlain} {
		if strings.Contains(b.String(), "@") {
			t.Errorf("the %s report contains an e-mail address", name)
		}
	}
	// The German-Excel variant is the same table, with BOM and ';'.
	if !bytes.HasPrefix(csvExcel.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Error("--bom CSV does not start with a UTF-8 BOM")
	}
	plain := readCSV(t, csvPlain.String(), ',')
	excel := readCSV(t, strings.TrimPrefix(csvExcel.String(), "\ufeff"), ';')
	if len(plain) != len(excel) || len(plain) != 1+7+14+1 { // header, pairs, people, total
		t.Errorf("CSV rows: %d plain, %d excel, want 23", len(plain), len(excel))
	}
	for i := range plain {
		if strings.Join(plain[i], "|") != strings.Join(excel[i], "|") {
			t.Errorf("CSV row %d differs between delimiters: %q vs %q", i, plain[i], excel[i])
		}
	}
	var back report.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("report JSON does not decode: %v", err)
	}
	if back.Totals != r.Totals {
		t.Errorf("report JSON totals %+v, want %+v", back.Totals, r.Totals)
	}

	golden(t, "report.txt", txt.Bytes())
	golden(t, "report.md", md.Bytes())
	golden(t, "report.json", js.Bytes())
	golden(t, "report.csv", csvPlain.Bytes())
	golden(t, "report-excel.csv", csvExcel.Bytes())
}

func readCSV(t *testing.T, s string, comma rune) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = comma
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return rows
}
