"""A person as a vCard, for the "Download vCard" button of the person's page.

vCard 3.0 (RFC 2426), not 4.0: Outlook (desktop and web) and older iPhones read 3.0 only, while
Apple, Google and Android read both. Written in UTF-8 (Outlook reads it so with CHARSET absent
from 3.0; Chinese names survive), with CRLF line ends and lines folded at 75 octets without
cutting a character in two.

What it holds: the names (FN; N from the English given, middle and family names, empty for a name
written only in Chinese), nickname, phones and e-mails with their labels, the primary company
(ORG with the department, TITLE), addresses, birthday (year-less as --MMDD), website and a UID.
Notes and internal fields stay in Rapport: a card is made to be passed on. Read back by the
import (rapport.dataio readers), the card gives the same names, phones, e-mails, company and
addresses; a district has no place of its own in a vCard and is written before the street.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from rapport.customers.models import ContactLabel, Person

TEL_TYPES = {
    ContactLabel.MOBILE: "CELL,VOICE",
    ContactLabel.WORK: "WORK,VOICE",
    ContactLabel.HOME: "HOME,VOICE",
    ContactLabel.FAX: "WORK,FAX",
    ContactLabel.OTHER: "VOICE",
}
EMAIL_TYPES = {ContactLabel.HOME: "INTERNET,HOME"}
ADR_TYPES = {ContactLabel.HOME: "HOME", ContactLabel.WORK: "WORK"}


def _escape(value: str) -> str:
    """A text value: backslash, comma, semicolon and line breaks escaped (RFC 2426 §4)."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _structured(*parts: str) -> str:
    return ";".join(_escape(part or "") for part in parts)


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 2425 §5.8.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def person_vcard(person: Person) -> str:
    """The card, as text. `person` comes with its phones, e-mails, addresses and employments
    (the person page's selector prefetches them)."""
    lines = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Rapport//Rapport CRM//EN"]
    lines.append(f"FN:{_escape(person.full_name)}")
    lines.append(
        "N:" + _structured(person.family_name, person.given_name, person.middle_name, "", "")
    )
    if person.nickname:
        lines.append(f"NICKNAME:{_escape(person.nickname)}")
    for phone in person.phones.all():
        types = TEL_TYPES.get(phone.label, "VOICE") + (",PREF" if phone.is_primary else "")
        lines.append(f"TEL;TYPE={types}:{phone.number}")
    for email in person.emails.all():
        types = EMAIL_TYPES.get(email.label, "INTERNET,WORK")
        types += ",PREF" if email.is_primary else ""
        lines.append(f"EMAIL;TYPE={types}:{_escape(email.email)}")
    employments = sorted(person.employments.all(), key=lambda e: (not e.is_primary, e.pk))
    if employments:
        job = employments[0]
        units = [job.department] if job.department else []
        lines.append("ORG:" + _structured(job.company.name, *units))
        if job.job_title:
            lines.append(f"TITLE:{_escape(job.job_title)}")
    for address in person.addresses.all():
        street = " ".join(part for part in (address.district, address.street) if part)
        types = ADR_TYPES.get(address.label, "")
        name = f"ADR;TYPE={types}" if types else "ADR"
        lines.append(
            f"{name}:"
            + _structured(
                "", "", street, address.city, address.province, address.postcode, address.country
            )
        )
    if person.birthday:
        lines.append(f"BDAY:{person.birthday.isoformat()}")
    elif person.birth_month and person.birth_day:
        lines.append(f"BDAY:--{person.birth_month:02d}{person.birth_day:02d}")
    if person.website:
        lines.append(f"URL:{_escape(person.website)}")
    host = urlsplit(settings.RAPPORT_BASE_URL).hostname or "rapport"
    lines.append(f"UID:rapport-person-{person.pk}@{host}")
    lines.append("REV:" + timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ"))
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def vcard_filename(person: Person) -> str:
    """The file's name: the person's name with characters no file system takes left out."""
    name = "".join(c for c in person.full_name if c not in '\\/:*?"<>|\r\n\t').strip()
    return f"{name or 'contact'}.vcf"
