package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rmctl/rmctl/schema"
)

// ExpansionVersion names the expansion code: a change to it that can change
// any resource (texts, addresses, scheduling, hashing) must raise it, since
// plans trust an input digest recorded in state only when it was made by
// the same version (see InputDigest). TestExpansionVersion fails when the
// example programs expand differently from what the version pins.
const ExpansionVersion = 1

// InputDigest is a digest of everything that determines the resources a
// program expands to: every exported field of the program, its people and
// its pairs (read by reflection, so a field the schema gains is covered
// without changes here), the rules of the time zones it uses and the
// public holidays of its people, both over the years it spans, the Go
// version and ExpansionVersion. Two programs with the same digest expand
// to the same resources; a plan that finds in state the digest of the
// program it plans, together with a record of what that expansion was
// (state.Expansion), knows the program's resources without expanding them.
//
// It returns an error for a program holding something it cannot digest (a
// field type it does not know); such a program is simply expanded.
func InputDigest(p *schema.Program) (string, error) {
	h := sha256.New()
	d := &digester{h: h, encs: map[reflect.Type]encoder{}}
	d.buf = append(d.buf, "rmctl inputs\n"...)
	d.buf = append(d.buf, buildFingerprint()...)
	// The program without the parts handled below: Dir is where it was
	// loaded from, which does not show in any resource; Location is a
	// zone, fingerprinted with the others; people and pairs are many and
	// digested in parallel.
	pv := reflect.ValueOf(p).Elem()
	pt := pv.Type()
	for i := range pt.NumField() {
		f := pt.Field(i)
		switch f.Name {
		case "Dir", "Location", "People", "Pairs":
			continue
		}
		if !f.IsExported() {
			// Derived from the exported fields (schedules, holidays, the
			// zones resolved from the names digested below) or used only
			// for diagnostics; TestInputDigestCoversProgram pins the list.
			continue
		}
		d.str(f.Name)
		if err := d.value(pv.Field(i)); err != nil {
			return "", fmt.Errorf("program %s: %s: %w", p.ID, f.Name, err)
		}
	}
	d.flush(true)

	people, err := digestMap(p.People)
	if err != nil {
		return "", fmt.Errorf("program %s: people: %w", p.ID, err)
	}
	pairs, err := digestMap(p.Pairs)
	if err != nil {
		return "", fmt.Errorf("program %s: pairs: %w", p.ID, err)
	}
	h.Write(people)
	h.Write(pairs)

	// The zones: every name a program, person or pair gives, and the
	// program's own, with the offsets and transitions they stand for.
	names := map[string]bool{p.Timezone: true}
	for _, person := range p.People {
		names[person.Timezone] = true
	}
	for _, pair := range p.Pairs {
		names[pair.Timezone] = true
	}
	from := time.Date(p.Start.Year-1, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(max(p.End.Year, p.Start.Year)+2, 1, 1, 0, 0, 0, 0, time.UTC)
	zb := zoneFingerprint(nil, p.Location, from, to)
	for _, name := range slices.Sorted(maps.Keys(names)) {
		zb = strconv.AppendQuote(zb, name)
		zb = zoneFingerprint(zb, p.Zone(name), from, to)
	}
	h.Write(zb)
	h.Write(holidayFingerprint(p, schema.DateOf(from), schema.DateOf(to)))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// holidayFingerprint writes down every day off between from and to as
// expansion sees it (Program.DayOff), once for each set of public-holiday
// regions people have: the regions' names are in the inputs, but their
// days come from a library and the years the program spans.
func holidayFingerprint(p *schema.Program, from, to schema.Date) []byte {
	// DayOff depends on the person only through their regions (their own,
	// else the program's): one person stands for each.
	reps := map[string]string{}
	for id, person := range p.People {
		if _, ok := reps[person.Holidays]; !ok {
			reps[person.Holidays] = id
		}
	}
	var buf []byte
	for _, regions := range slices.Sorted(maps.Keys(reps)) {
		buf = strconv.AppendQuote(buf, regions)
		for d := from; d.Before(to); d = d.AddDays(1) {
			if off := p.DayOff(reps[regions], d); off != "" {
				buf = append(buf, d.String()...)
				buf = strconv.AppendQuote(buf, off)
			}
		}
	}
	return buf
}

// InputDigests returns InputDigest of every program, by id; programs whose
// digest fails are left out.
func InputDigests(progs []*schema.Program) map[string]string {
	out := make(map[string]string, len(progs))
	for _, p := range progs {
		if dg, err := InputDigest(p); err == nil {
			out[p.ID] = dg
		}
	}
	return out
}

// digestMap digests a map of people or pairs: keys in order, each with its
// value, split over every core. A 10,000-pair program has 30,000 of them,
// and a no-op plan digests them all.
func digestMap[V any](m map[string]V) ([]byte, error) {
	keys := slices.Sorted(maps.Keys(m))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(keys)/2048))
	sums := make([][sha256.Size]byte, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(keys)/workers, (w+1)*len(keys)/workers
		wg.Go(func() {
			d := newDigester()
			// One variable for every value: reflecting on m[k] itself
			// would allocate a copy of each.
			var val V
			rv := reflect.ValueOf(&val).Elem()
			enc, err := d.encoder(rv.Type())
			if err != nil {
				errs[w] = err
				return
			}
			for _, k := range keys[lo:hi] {
				val = m[k]
				d.str(k)
				if err := enc(d, rv); err != nil {
					errs[w] = fmt.Errorf("%s: %w", k, err)
					return
				}
				d.flush(false)
			}
			sums[w] = d.sum()
		})
	}
	wg.Wait()
	out := strconv.AppendInt(nil, int64(len(keys)), 10)
	for w := range workers {
		if errs[w] != nil {
			return nil, errs[w]
		}
		out = append(out, sums[w][:]...)
	}
	return out, nil
}

// digester writes values into buf so that no two different values write
// the same bytes: strings and lists carry their lengths, optional values a
// presence mark. Encoders are compiled once per type.
type digester struct {
	buf  []byte
	h    hash.Hash
	encs map[reflect.Type]encoder
}

type encoder func(d *digester, v reflect.Value) error

func newDigester() *digester {
	return &digester{buf: make([]byte, 0, 32<<10), h: sha256.New(), encs: map[reflect.Type]encoder{}}
}

// flush hashes what buf holds once it is large, or always when all is
// set, so buf stays small.
func (d *digester) flush(all bool) {
	if all || len(d.buf) >= 16<<10 {
		d.h.Write(d.buf)
		d.buf = d.buf[:0]
	}
}

func (d *digester) sum() [sha256.Size]byte {
	d.flush(true)
	var out [sha256.Size]byte
	d.h.Sum(out[:0])
	return out
}

func (d *digester) str(s string) {
	d.buf = strconv.AppendInt(d.buf, int64(len(s)), 10)
	d.buf = append(d.buf, ':')
	d.buf = append(d.buf, s...)
}

func (d *digester) value(v reflect.Value) error {
	enc, err := d.encoder(v.Type())
	if err != nil {
		return err
	}
	return enc(d, v)
}

var (
	locationType = reflect.TypeFor[*time.Location]()
	timeType     = reflect.TypeFor[time.Time]()
)

func (d *digester) encoder(t reflect.Type) (encoder, error) {
	if e, ok := d.encs[t]; ok {
		return e, nil
	}
	// A placeholder for recursive types; replaced below.
	var e encoder
	d.encs[t] = func(d *digester, v reflect.Value) error { return e(d, v) }
	e, err := d.compile(t)
	if err != nil {
		delete(d.encs, t)
		return nil, err
	}
	d.encs[t] = e
	return e, nil
}

func (d *digester) compile(t reflect.Type) (encoder, error) {
	switch t {
	case locationType:
		return func(d *digester, v reflect.Value) error {
			if v.IsNil() {
				d.buf = append(d.buf, '-')
				return nil
			}
			d.str(v.Interface().(*time.Location).String())
			return nil
		}, nil
	case timeType:
		return func(d *digester, v reflect.Value) error {
			tm := v.Interface().(time.Time)
			d.buf = strconv.AppendInt(append(d.buf, 'T'), tm.UnixNano(), 10)
			d.str(tm.Location().String())
			return nil
		}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(d *digester, v reflect.Value) error {
			d.buf = strconv.AppendBool(d.buf, v.Bool())
			return nil
		}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(d *digester, v reflect.Value) error {
			d.buf = strconv.AppendInt(append(d.buf, 'i'), v.Int(), 10)
			return nil
		}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return func(d *digester, v reflect.Value) error {
			d.buf = strconv.AppendUint(append(d.buf, 'u'), v.Uint(), 10)
			return nil
		}, nil
	case reflect.Float32, reflect.Float64:
		return func(d *digester, v reflect.Value) error {
			d.buf = strconv.AppendUint(append(d.buf, 'f'), math.Float64bits(v.Float()), 16)
			return nil
		}, nil
	case reflect.String:
		return func(d *digester, v reflect.Value) error {
			d.str(v.String())
			return nil
		}, nil
	case reflect.Pointer:
		elem, err := d.encoder(t.Elem())
		if err != nil {
			return nil, err
		}
		return func(d *digester, v reflect.Value) error {
			if v.IsNil() {
				d.buf = append(d.buf, '-')
				return nil
			}
			d.buf = append(d.buf, '+')
			return elem(d, v.Elem())
		}, nil
	case reflect.Slice, reflect.Array:
		elem, err := d.encoder(t.Elem())
		if err != nil {
			return nil, err
		}
		return func(d *digester, v reflect.Value) error {
			if t.Kind() == reflect.Slice && v.IsNil() {
				d.buf = append(d.buf, '-')
				return nil
			}
			d.buf = strconv.AppendInt(append(d.buf, '['), int64(v.Len()), 10)
			for i := range v.Len() {
				if err := elem(d, v.Index(i)); err != nil {
					return err
				}
			}
			return nil
		}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("cannot digest %s: keys are not strings", t)
		}
		elem, err := d.encoder(t.Elem())
		if err != nil {
			return nil, err
		}
		return func(d *digester, v reflect.Value) error {
			if v.IsNil() {
				d.buf = append(d.buf, '-')
				return nil
			}
			keys := v.MapKeys()
			slices.SortFunc(keys, func(a, b reflect.Value) int {
				switch as, bs := a.String(), b.String(); {
				case as < bs:
					return -1
				case as > bs:
					return 1
				}
				return 0
			})
			d.buf = strconv.AppendInt(append(d.buf, '{'), int64(len(keys)), 10)
			for _, k := range keys {
				d.str(k.String())
				if err := elem(d, v.MapIndex(k)); err != nil {
					return err
				}
			}
			return nil
		}, nil
	case reflect.Struct:
		type field struct {
			index int
			enc   encoder
		}
		var fields []field
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				// A struct keeping part of its value where reflection
				// cannot see it cannot be digested: its program is
				// expanded instead.
				return nil, fmt.Errorf("cannot digest %s: field %s is not exported", t, f.Name)
			}
			e, err := d.encoder(f.Type)
			if err != nil {
				return nil, err
			}
			fields = append(fields, field{i, e})
		}
		return func(d *digester, v reflect.Value) error {
			d.buf = append(d.buf, '(')
			for _, f := range fields {
				if err := f.enc(d, v.Field(f.index)); err != nil {
					return err
				}
			}
			d.buf = append(d.buf, ')')
			return nil
		}, nil
	}
	return nil, fmt.Errorf("cannot digest %s", t)
}

// zoneFingerprint appends what loc says between from and to: its name, and
// the abbreviation and offset of every period with the instant it ends.
// A time zone database update that moves a transition changes it.
func zoneFingerprint(buf []byte, loc *time.Location, from, to time.Time) []byte {
	if loc == nil {
		return append(buf, '-')
	}
	buf = strconv.AppendQuote(buf, loc.String())
	t := from.In(loc)
	// A zone changes a few times a year at most; the bound only guards
	// against a zone whose periods never end the range.
	for range 1000 {
		name, offset := t.Zone()
		buf = strconv.AppendInt(strconv.AppendQuote(buf, name), int64(offset), 10)
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		buf = strconv.AppendInt(append(buf, '@'), end.Unix(), 10)
		t = end
	}
	return buf
}

// buildFingerprint names the code that decides resources besides the
// inputs: the expansion version and the Go version (its time package).
func buildFingerprint() string {
	return "expansion " + strconv.Itoa(ExpansionVersion) + "\n" + runtime.Version() + "\n"
}
