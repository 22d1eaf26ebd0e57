"""Loading what the scorers need of persons and companies from the database, in bulk.

A full scan reads a handful of narrow columns per table with `values_list` (no model instances),
a million persons in a few queries; the entry-time check reads the same for a few dozen ids.
Companies are compared by id inside person profiles: two persons employed by one company share
it whatever its name's spelling.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from rapport.customers.models import Address, Company, Employment, Person, PersonEmail, PersonPhone
from rapport.dataio.services.dedup.companies import CompanyProfile, company_profile
from rapport.dataio.services.dedup.normalize import email_key, phone_key, place_key
from rapport.dataio.services.dedup.scoring import PersonProfile, profile

CHUNK = 20_000


def _rows(qs: QuerySet, ids: list[int] | None, field: str, *columns: str) -> Iterable[tuple]:
    if ids is not None:
        qs = qs.filter(**{f"{field}__in": ids})
    return qs.order_by().values_list(*columns).iterator(chunk_size=CHUNK)


def person_profiles(ids: list[int] | None = None) -> list[PersonProfile]:
    """Profiles of the persons with `ids`, or of every person."""
    phones: dict[int, list[str]] = defaultdict(list)
    for person_id, number in _rows(PersonPhone.objects, ids, "person_id", "person_id", "number"):
        phones[person_id].append(phone_key(number))
    emails: dict[int, list[str]] = defaultdict(list)
    for person_id, email in _rows(PersonEmail.objects, ids, "person_id", "person_id", "email"):
        emails[person_id].append(email_key(email))
    companies: dict[int, list[str]] = defaultdict(list)
    for person_id, company_id in _rows(
        Employment.objects, ids, "person_id", "person_id", "company_id"
    ):
        companies[person_id].append(str(company_id))
    # One address per person: the first, or the first with a city. The street stays as
    # written; the scorer reads its house number and words (`normalize.street_key`).
    places: dict[int, tuple[str, str, str, str]] = {}
    for person_id, city, street, postcode, province in _rows(
        Address.objects.filter(person__isnull=False),
        ids,
        "person_id",
        "person_id",
        "city",
        "street",
        "postcode",
        "province",
    ):
        if person_id not in places or (city and not places[person_id][0]):
            places[person_id] = (place_key(city), street, postcode, place_key(province))
    result = []
    for pk, name, birthday, gender, phone, email in _rows(
        Person.objects,
        ids,
        "pk",
        "pk",
        "full_name",
        "birthday",
        "gender",
        "primary_phone",
        "primary_email",
    ):
        own_phones = phones.pop(pk, None) or ([phone_key(phone)] if phone else [])
        own_emails = emails.pop(pk, None) or ([email_key(email)] if email else [])
        city, street, postcode, state = places.pop(pk, ("", "", "", ""))
        result.append(
            profile(
                id=pk,
                full_name=name,
                phones=own_phones,
                emails=own_emails,
                birthday=birthday.isoformat() if birthday else "",
                gender=gender,
                companies=companies.pop(pk, ()),
                city=city,
                street=street,
                postcode=postcode,
                state=state,
            )
        )
    return result


def company_profiles(ids: list[int] | None = None) -> list[CompanyProfile]:
    """Profiles of the companies with `ids`, or of every company."""
    cities: dict[int, str] = {}
    for company_id, city in _rows(
        Address.objects.filter(company__isnull=False), ids, "company_id", "company_id", "city"
    ):
        if city:
            cities.setdefault(company_id, place_key(city))
    return [
        company_profile(
            id=pk,
            name=name,
            english_name=english_name,
            phone=phone,
            email=email,
            website=website,
            city=cities.get(pk, ""),
        )
        for pk, name, english_name, phone, email, website in _rows(
            Company.objects, ids, "pk", "pk", "name", "english_name", "phone", "email", "website"
        )
    ]
