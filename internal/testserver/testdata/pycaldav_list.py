"""List a calendar's events and to-dos with python3-caldav, as JSON.

Used by rmctl's Go tests (internal/testserver) as an independent client: what
python3-caldav reads back is what other CalDAV clients will see.

Usage: pycaldav_list.py SERVER_URL CALENDAR_URL
The user name and password come from RMCTL_CALDAV_USER and
RMCTL_CALDAV_PASSWORD (kept off the command line); empty means no auth.

Prints a JSON list of objects, one per VEVENT/VTODO component:
  kind, href, uid, summary, dtstart (iCalendar text form, e.g.
  20300101T100000Z), instant (DTSTART, else a to-do's DUE, as an RFC 3339
  UTC time read through its TZID; "" when absent), status, sequence,
  attendees (list of strings).
Exit status 3 means python3-caldav or python3-icalendar is missing.
"""
import datetime
import json
import os
import sys

try:
    import caldav
except ImportError as exc:  # pragma: no cover - reported to the Go side
    print("caldav missing: %s" % exc, file=sys.stderr)
    sys.exit(3)


def text(comp, name):
    v = comp.get(name)
    if v is None:
        return ""
    if hasattr(v, "to_ical"):
        b = v.to_ical()
        return b.decode() if isinstance(b, bytes) else str(b)
    return str(v)


def instant(comp):
    for name in ("dtstart", "due"):
        v = comp.get(name)
        if v is not None and hasattr(v.dt, "hour") and v.dt.tzinfo is not None:
            return v.dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ""


def main():
    server_url, calendar_url = sys.argv[1], sys.argv[2]
    user = os.environ.get("RMCTL_CALDAV_USER") or None
    password = os.environ.get("RMCTL_CALDAV_PASSWORD") or None
    client = caldav.DAVClient(server_url, username=user, password=password, timeout=30)
    cal = client.calendar(url=calendar_url)
    items = []
    for kind, objs in (("VEVENT", cal.events()), ("VTODO", cal.todos(include_completed=True))):
        for obj in objs:
            for comp in obj.icalendar_instance.walk(kind):
                att = comp.get("attendee")
                if att is None:
                    att = []
                elif not isinstance(att, list):
                    att = [att]
                seq = comp.get("sequence")
                items.append({
                    "kind": kind,
                    "href": str(obj.url),
                    "uid": text(comp, "uid"),
                    "summary": text(comp, "summary"),
                    "dtstart": text(comp, "dtstart"),
                    "instant": instant(comp),
                    "status": text(comp, "status"),
                    "sequence": int(seq) if seq is not None else 0,
                    "attendees": [str(a) for a in att],
                })
    json.dump(items, sys.stdout)


if __name__ == "__main__":
    main()
