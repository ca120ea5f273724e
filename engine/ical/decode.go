package ical

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	goical "github.com/emersion/go-ical"
)

// decode parses one VCALENDAR into go-ical's types, reading exactly what
// go-ical's Decoder reads (FuzzDecode holds the two equal). It exists
// because that Decoder builds every parameter value one byte at a time
// (string +=), which is quadratic: a feed holding a 64 KB attendee name
// took over a second per object and a 1 MB one minutes. This decoder is
// linear in the size of data, and returns an error where go-ical panics on
// a malformed parameter list, since data read back from a server must not
// crash rmctl.
func decode(data []byte) (*goical.Calendar, error) {
	d := &decoder{data: data}
	prop, err := d.contentLine()
	if err != nil {
		return nil, fmt.Errorf("parse iCalendar: %w", err)
	}
	if prop.Name != "BEGIN" {
		return nil, fmt.Errorf("parse iCalendar: malformed component: expected BEGIN property, got %q", prop.Name)
	}
	comp, err := d.componentBody(strings.ToUpper(prop.Value))
	if err != nil {
		return nil, fmt.Errorf("parse iCalendar: %w", err)
	}
	if comp.Name != goical.CompCalendar {
		return nil, fmt.Errorf("parse iCalendar: invalid top-level component %q, want %q", comp.Name, goical.CompCalendar)
	}
	return &goical.Calendar{Component: comp}, nil
}

type decoder struct {
	data []byte
	pos  int
}

// physicalLine returns the next line without its LF or CR LF, as
// bufio.Reader.ReadLine does; false at the end of data.
func (d *decoder) physicalLine() ([]byte, bool) {
	if d.pos >= len(d.data) {
		return nil, false
	}
	rest := d.data[d.pos:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		d.pos = len(d.data)
		return rest, true
	}
	d.pos += i + 1
	line := rest[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, true
}

// logicalLine returns the next content line unfolded: a physical line
// followed by every line that starts with a space or a tab, without it.
func (d *decoder) logicalLine() (string, error) {
	first, ok := d.physicalLine()
	if !ok {
		return "", io.EOF
	}
	if d.pos >= len(d.data) || (d.data[d.pos] != ' ' && d.data[d.pos] != '\t') {
		return string(first), nil
	}
	var b strings.Builder
	b.Write(first)
	for d.pos < len(d.data) && (d.data[d.pos] == ' ' || d.data[d.pos] == '\t') {
		d.pos++
		l, ok := d.physicalLine()
		if !ok {
			// go-ical fails on a folding space at the very end.
			return "", io.ErrUnexpectedEOF
		}
		b.Write(l)
	}
	return b.String(), nil
}

// contentLine reads the next non-empty content line as a property.
func (d *decoder) contentLine() (*goical.Prop, error) {
	for {
		l, err := d.logicalLine()
		if err != nil {
			return nil, err
		}
		if l != "" {
			return parseContentLine(l)
		}
	}
}

func (d *decoder) componentBody(name string) (*goical.Component, error) {
	props := make(goical.Props)
	var children []*goical.Component
	for {
		prop, err := d.contentLine()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("unexpected end of data in %s", name)
		}
		if err != nil {
			return nil, err
		}
		switch prop.Name {
		case "BEGIN":
			child, err := d.componentBody(strings.ToUpper(prop.Value))
			if err != nil {
				return nil, err
			}
			children = append(children, child)
		case "END":
			if !strings.EqualFold(prop.Value, name) {
				return nil, fmt.Errorf("malformed component: expected END property for %q, got %q", name, prop.Value)
			}
			return &goical.Component{Name: name, Props: props, Children: children}, nil
		default:
			props[prop.Name] = append(props[prop.Name], *prop)
		}
	}
}

// parseContentLine splits name, parameters and value (RFC 5545 3.1) with
// go-ical's rules, in one pass over s.
func parseContentLine(s string) (*goical.Prop, error) {
	i := strings.IndexAny(s, ";:")
	switch {
	case i < 0:
		return nil, fmt.Errorf("malformed content line: missing colon")
	case i == 0:
		return nil, fmt.Errorf("malformed content line: empty property name")
	}
	name := strings.ToUpper(s[:i])
	s = s[i:]
	params := make(goical.Params)
	for len(s) > 0 && s[0] == ';' {
		s = s[1:]
		eq := strings.IndexByte(s, '=')
		switch {
		case eq < 0:
			return nil, fmt.Errorf("malformed param: missing equal sign")
		case eq == 0:
			return nil, fmt.Errorf("malformed param: empty param name")
		}
		pname := strings.ToUpper(s[:eq])
		s = s[eq+1:]
		for {
			var v string
			if len(s) > 0 && s[0] == '"' {
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return nil, fmt.Errorf("malformed param value: unterminated quoted string")
				}
				v, s = s[1:1+end], s[2+end:]
			} else {
				end := strings.IndexAny(s, "\";,:")
				if end < 0 {
					end = len(s)
				} else if s[end] == '"' {
					return nil, fmt.Errorf("malformed param value: illegal double-quote")
				}
				v, s = s[:end], s[end:]
			}
			params[pname] = append(params[pname], v)
			if len(s) == 0 {
				return nil, fmt.Errorf("malformed param: line ends after the value of %s", pname)
			}
			if s[0] == ',' {
				s = s[1:]
				continue
			}
			if s[0] != ';' && s[0] != ':' {
				return nil, fmt.Errorf("malformed param: unexpected %q after the value of %s", s[0], pname)
			}
			break
		}
	}
	if len(s) == 0 || s[0] != ':' {
		return nil, fmt.Errorf("malformed property: expected colon")
	}
	return &goical.Prop{Name: name, Params: params, Value: s[1:]}, nil
}
