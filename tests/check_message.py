#!/usr/bin/python3
"""Judge one email rendered by cronogramad (daemon/message.c).

    /usr/bin/python3 tests/check_message.py FILE.eml [--no-calendar]

Parses the message with Python's email package and the calendar part with
icalendar, checks the structure the daemon promises, prints a JSON summary
and exits 0; on the first violation prints "check_message: FILE: why" to
stderr and exits 1. --no-calendar accepts a staff message without the
calendar part. Used by the unit tests and the integration tests.
"""
import email
import email.policy
import json
import re
import sys

import icalendar


class Violation(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Violation(why)


def check_raw(raw):
    """CRLF only, no line over 998 octets, headers within limits."""
    need(b"\r\n" in raw, "no CRLF line ends")
    need(re.search(rb"(?<!\r)\n", raw) is None, "a bare LF")
    need(re.search(rb"\r(?!\n)", raw) is None, "a bare CR")
    for n, line in enumerate(raw.split(b"\r\n"), 1):
        need(len(line) <= 998, "line %d has %d octets" % (n, len(line)))
    head = raw.split(b"\r\n\r\n", 1)[0]
    need(all(b < 0x80 for b in head), "8-bit bytes in the headers")
    for word in re.findall(rb"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=", head):
        need(len(word) <= 75, "encoded word over 75 chars: %r" % word)
    names = [l.split(b":", 1)[0].lower() for l in head.split(b"\r\n")
             if l and l[:1] not in (b" ", b"\t")]
    for name in (b"bcc", b"cc"):
        need(name not in names, "a %s header" % name.decode())
    for name in (b"from", b"to", b"date", b"message-id", b"subject",
                 b"mime-version", b"content-type"):
        need(names.count(name) == 1,
             "%s appears %d times" % (name.decode(), names.count(name)))


def check_calendar(part):
    ctype_method = part.get_param("method")
    need(ctype_method, "text/calendar without a method parameter")
    need(part.get_content_charset() == "utf-8", "calendar not UTF-8")
    text = part.get_content()
    cal = icalendar.Calendar.from_ical(text)
    method = str(cal.get("METHOD", ""))
    need(method.upper() == ctype_method.upper(),
         "METHOD %r but Content-Type method=%r" % (method, ctype_method))
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    need(len(events) >= 1, "no VEVENT")
    tzids = {str(c.get("TZID")) for c in cal.walk() if c.name == "VTIMEZONE"}
    ev = events[0]
    for prop in ("UID", "SEQUENCE", "DTSTAMP", "DTSTART", "SUMMARY"):
        need(prop in ev, "VEVENT without %s" % prop)
    need("ATTENDEE" not in ev, "VEVENT with ATTENDEE")
    if method.upper() == "PUBLISH":
        need("ORGANIZER" in ev, "PUBLISH without ORGANIZER")
    if method.upper() == "CANCEL":
        need(str(ev.get("STATUS", "")).upper() == "CANCELLED",
             "CANCEL whose STATUS is not CANCELLED")
    for prop in ("DTSTART", "DTEND"):
        if prop in ev:
            tzid = ev[prop].params.get("TZID")
            need(tzid is None or tzid in tzids,
                 "%s TZID %s without its VTIMEZONE" % (prop, tzid))
    return {
        "method": method,
        "uid": str(ev["UID"]),
        "sequence": int(ev["SEQUENCE"]),
        "summary": str(ev["SUMMARY"]),
        "dtstart": ev["DTSTART"].to_ical().decode(),
        "organizer": str(ev.get("ORGANIZER", "")) or None,
    }


def check(path, allow_no_calendar):
    with open(path, "rb") as f:
        raw = f.read()
    check_raw(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    need(not msg.defects, "message defects: %r" % msg.defects)
    subject = str(msg["subject"])
    need(subject and "=?" not in subject, "subject not decoded: %r" % subject)
    need("\n" not in subject and "\r" not in subject, "subject with CR/LF")
    # A message with a session: multipart/mixed of the alternatives and
    # the session attached as invitacion.ics (what Thunderbird, Outlook
    # and Gmail show as a file to open); staff mail without one is the
    # alternatives alone.
    attachment = None
    alt = msg
    if msg.get_content_type() == "multipart/mixed":
        outer = list(msg.iter_parts())
        need([p.get_content_type() for p in outer] ==
             ["multipart/alternative", "application/ics"],
             "multipart/mixed holds %s" % [p.get_content_type() for p in outer])
        alt, attachment = outer
        need(attachment.get_content_disposition() == "attachment",
             "invitacion.ics is not an attachment")
        need(attachment.get_filename() == "invitacion.ics",
             "attachment named %r" % attachment.get_filename())
        need(not attachment.defects, "attachment defects: %r" %
             attachment.defects)
    need(alt.get_content_type() == "multipart/alternative",
         "top type is %s" % msg.get_content_type())
    parts = list(alt.iter_parts())
    types = [p.get_content_type() for p in parts]
    want = ["text/plain", "text/html", "text/calendar"]
    if allow_no_calendar and types == want[:2] and attachment is None:
        want = want[:2]
    need(types == want, "parts are %s, not %s" % (types, want))
    for p in parts:
        need(not p.defects, "%s defects: %r" % (p.get_content_type(),
                                                p.defects))
    text, html = parts[0], parts[1]
    for p in (text, html):
        need(p.get_content_charset() == "utf-8",
             "%s not UTF-8" % p.get_content_type())
        need(p["content-transfer-encoding"] in ("quoted-printable", "base64"),
             "%s transfer encoding %s" % (p.get_content_type(),
                                          p["content-transfer-encoding"]))
    body = text.get_content()
    page = html.get_content()
    need(body.strip(), "empty text part")
    need(re.search(r"<html[^>]*\blang=\"es\"", page), "HTML without lang=es")
    need("{{" not in body and "{{" not in page, "a template tag left over")
    for container in {id(msg): msg, id(alt): alt}.values():
        boundary = container.get_boundary()
        need(boundary and boundary.encode() not in b"".join(
            p.get_payload(decode=True) or b"" for p in parts),
            "boundary found inside a part")
    summary = {
        "subject": subject,
        "from": str(msg["from"]),
        "to": [a.addr_spec for a in msg["to"].addresses],
        "message_id": str(msg["message-id"]),
        "list_id": str(msg["list-id"]) if msg["list-id"] else None,
        "list_unsubscribe": str(msg["list-unsubscribe"])
        if msg["list-unsubscribe"] else None,
        "method": None,
        "uid": None,
        "sequence": None,
        "summary": None,
        "text": body[:400],
    }
    if len(parts) == 3:
        need(attachment is not None,
             "a calendar part but no invitacion.ics attachment")
        summary.update(check_calendar(parts[2]))
        need(attachment.get_payload(decode=True) ==
             parts[2].get_payload(decode=True),
             "invitacion.ics differs from the calendar part")
        icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
        summary["attachment"] = attachment.get_filename()
    # The organisation's own page (/suscripcion/TOKEN): a part links to
    # one page at most, and where both link (an operator's template may
    # leave it out of one) it is the same page, in the HTML as a link.
    links = set(re.findall(
        r"https?://[^\s<>\"]+/suscripcion/[A-Za-z0-9._-]+", body))
    html_links = set(re.findall(
        r"href=\"(https?://[^\"]+/suscripcion/[A-Za-z0-9._-]+)\"", page))
    need(len(links) <= 1 and len(html_links) <= 1,
         "links to several pages: %r, %r" % (links, html_links))
    need(not links or not html_links or links == html_links,
         "the text and HTML parts link to different pages: %r, %r"
         % (links, html_links))
    both = links | html_links
    summary["subscription_url"] = both.pop() if both else None
    unsub = msg["list-unsubscribe"]
    if msg["list-unsubscribe-post"]:
        need(unsub and "<https://" in str(unsub),
             "List-Unsubscribe-Post without an https URL")
    return summary


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print("usage: check_message.py FILE.eml [--no-calendar]",
              file=sys.stderr)
        return 2
    try:
        summary = check(args[0], "--no-calendar" in argv)
    except Violation as e:
        print("check_message: %s: %s" % (args[0], e), file=sys.stderr)
        return 1
    except Exception as e:  # a parser giving up is a violation too
        print("check_message: %s: %s: %s" % (args[0], type(e).__name__, e),
              file=sys.stderr)
        return 1
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
