"""Reads of persons, companies, tags and custom fields, always scoped by who is asking.

`persons_visible_to` and `companies_visible_to` are the only places that decide which customer
records a user may see; the web UI, the API, search and exports all start from them.
"""

from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_parts, visible_records_q
from rapport.accounts.list_specs import list_extra_filters
from rapport.accounts.models import User
from rapport.core.cleaning import parse_int
from rapport.core.errors import NotFound
from rapport.customers import search
from rapport.customers.models import (
    Company,
    CompanySearchTerm,
    CustomFieldDefinition,
    CustomFieldType,
    Employment,
    Person,
    PersonSearchTerm,
    RecordType,
    Tag,
)

PERSON_SORTS = ("full_name", "-full_name", "created_at", "-created_at", "updated_at", "-updated_at")
COMPANY_SORTS = ("name", "-name", "created_at", "-created_at", "updated_at", "-updated_at")


def persons_visible_to(user: User) -> QuerySet[Person]:
    return Person.objects.filter(visible_records_q(user))


def companies_visible_to(user: User) -> QuerySet[Company]:
    return Company.objects.filter(visible_records_q(user))


def visible_customer_links(
    user: User, *, person: str = "person", company: str = "company"
) -> list[Prefetch]:
    """Load a record's linked person and company only where `user` may see them.

    For records visible by a rule of their own (a task by its assignee, a deal by its owner)
    whose customer may since have gone to another team: an invisible link reads as None (its id
    stays), so the record never shows the name of a customer its reader cannot open.
    """
    return [
        Prefetch(person, queryset=persons_visible_to(user)),
        Prefetch(company, queryset=companies_visible_to(user)),
    ]


def list_partitions(user: User, filters: "CustomerFilters") -> list[Q] | None:
    """The parts of the visibility rule for a person or company list to page through (see
    `rapport.core.pagination.keyset_page`): the user's own records and their team's.

    None when a search or an owner or team filter already narrows the list to one indexed
    condition or a few hundred ids; reading each part separately would only add queries.
    """
    if filters.q or filters.owner_id or filters.team_id:
        return None
    return visible_records_parts(user)


def get_person_for_user(user: User, person_id: int) -> Person:
    person = persons_visible_to(user).select_related("owner", "team").filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("Person not found."))
    return person


def get_company_for_user(user: User, company_id: int) -> Company:
    company = (
        companies_visible_to(user).select_related("owner", "team").filter(pk=company_id).first()
    )
    if company is None:
        raise NotFound(_("Company not found."))
    return company


# A search returns at most this many matches, best first (shortest matching term: an exact name
# before longer names that start with it). Lists sort and page within them, so a vague query
# ("zw" among a million persons) costs one bounded index scan instead of a sort of every match.
SEARCH_MATCH_LIMIT = 500


def _matching_ids(terms: QuerySet, id_field: str, prefixes: list[str], limit: int) -> list[int]:
    """Distinct `id_field` values of `terms` under any of `prefixes`, in term order.

    One range scan per prefix, each in index order and stopped at `limit` rows, so the cost is
    bounded by the limit whatever the number of matches.
    """
    ids: dict[int, None] = {}
    for prefix in prefixes:
        if len(ids) >= limit:
            break
        rows = (
            terms.filter(term__gte=prefix, term__lt=search.prefix_upper_bound(prefix))
            .order_by("term")
            .values_list(id_field, flat=True)[: limit * 2]
        )
        for record_id in rows:
            ids.setdefault(record_id, None)
            if len(ids) >= limit:
                break
    return list(ids)


def _name_prefixes(prefixes: list[str]) -> list[str]:
    return [p for p in prefixes if p.startswith("n:")]


def person_search_ids(user: User, query: str, *, limit: int = SEARCH_MATCH_LIMIT) -> list[int]:
    """Ids of persons `user` may see matching `query` by name, pinyin, phone tail, e-mail, or
    their company's name: at most `limit`, best matches first.

    The visibility rule is applied inside the term scan, so a representative's matches are not
    crowded out by persons of other teams.
    """
    prefixes = search.query_prefixes(query)
    if not prefixes:
        return []
    visible = visible_records_q(user, owner_field="person__owner", team_field="person__team")
    ids = _matching_ids(PersonSearchTerm.objects.filter(visible), "person_id", prefixes, limit)
    name_prefixes = _name_prefixes(prefixes)
    if name_prefixes and len(ids) < limit:
        company_ids = _matching_ids(
            CompanySearchTerm.objects.all(), "company_id", name_prefixes, limit
        )
        if company_ids:
            employees = (
                Employment.objects.filter(visible, company_id__in=company_ids)
                .values_list("person_id", flat=True)
                .order_by()[: limit * 2]
            )
            seen = set(ids)
            for person_id in employees:
                if len(ids) >= limit:
                    break
                if person_id not in seen:
                    seen.add(person_id)
                    ids.append(person_id)
    return ids


def company_search_ids(user: User, query: str, *, limit: int = SEARCH_MATCH_LIMIT) -> list[int]:
    """Ids of companies `user` may see whose name matches `query`, at most `limit`."""
    prefixes = _name_prefixes(search.query_prefixes(query))
    if not prefixes:
        return []
    visible = visible_records_q(user, owner_field="company__owner", team_field="company__team")
    return _matching_ids(CompanySearchTerm.objects.filter(visible), "company_id", prefixes, limit)


@dataclass
class CustomerFilters:
    """Filters a list page or the API may apply; empty values mean "any"."""

    q: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    tag_id: int | None = None
    lifecycle_stage: str = ""
    region: str = ""
    source: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    # Persons only: those with phone numbers an import kept as written (valid in no country).
    raw_phones: bool = False


def customer_filters_from(params: QueryDict) -> CustomerFilters:
    """The filters a list's query string asks for: a list page's, or a saved view's when its
    persons are wanted elsewhere (`persons_of_list_query`)."""
    return CustomerFilters(
        q=params.get("q", "").strip(),
        owner_id=parse_int(params.get("owner_id")),
        team_id=parse_int(params.get("team_id")),
        tag_id=parse_int(params.get("tag_id")),
        lifecycle_stage=params.get("lifecycle_stage", ""),
        region=params.get("region", "").strip(),
        source=params.get("source", ""),
        custom={k[3:]: v for k, v in params.items() if k.startswith("cf_") and v},
        raw_phones=params.get("raw_phones") == "1",
    )


def _custom_filter_q(record_type: str, custom: dict[str, str]) -> Q:
    """Filter on custom field values. Unknown keys are ignored (the list shows every record)."""
    q = Q()
    if not custom:
        return q
    definitions = {
        d.key: d
        for d in CustomFieldDefinition.objects.filter(
            record_type=record_type, key__in=list(custom), is_active=True
        )
    }
    for key, raw in custom.items():
        definition = definitions.get(key)
        if definition is None or raw in ("", None):
            continue
        lookup = f"custom__{key}"
        kind = definition.field_type
        if kind == CustomFieldType.MULTI_CHOICE:
            # Stored as a JSON array; match the quoted element inside its JSON text, which works
            # the same on SQLite and PostgreSQL.
            q &= Q(**{f"{lookup}__icontains": f'"{raw}"'})
        elif kind == CustomFieldType.BOOLEAN:
            q &= Q(**{lookup: str(raw).lower() in {"1", "true", "yes", "on", "是"}})
        elif kind == CustomFieldType.NUMBER:
            try:
                number = float(raw)
            except ValueError:
                return Q(pk__in=[])
            q &= Q(**{lookup: int(number) if number.is_integer() else number})
        elif kind == CustomFieldType.TEXT:
            q &= Q(**{f"{lookup}__icontains": raw})
        else:
            q &= Q(**{lookup: raw})
    return q


def _apply_common_filters(qs: QuerySet, filters: CustomerFilters, record_type: str) -> QuerySet:
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.tag_id:
        qs = qs.filter(tags__id=filters.tag_id)
    if filters.lifecycle_stage:
        qs = qs.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.region:
        qs = qs.filter(region=filters.region)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.custom:
        qs = qs.filter(_custom_filter_q(record_type, filters.custom))
    return qs


def persons_list(
    user: User, filters: CustomerFilters, *, columns: Collection[str] | None = None
) -> QuerySet[Person]:
    """Visible persons matching `filters`, with what a list row shows fetched up front: of the
    list's `columns` shown (all when None), tags and primary companies are not fetched if hidden."""
    qs = persons_visible_to(user)
    if filters.q:
        qs = qs.filter(pk__in=person_search_ids(user, filters.q))
    qs = _apply_common_filters(qs, filters, RecordType.PERSON)
    if filters.raw_phones:
        qs = qs.exclude(raw_phones=[])
    qs = qs.select_related("owner", "team")
    if columns is None or "tags" in columns:
        qs = qs.prefetch_related("tags")
    if columns is None or "company" in columns:
        qs = qs.prefetch_related(
            Prefetch(
                "employments",
                queryset=Employment.objects.filter(is_primary=True).select_related("company"),
                to_attr="primary_employments",
            )
        )
    return qs


def persons_of_list_query(user: User, query: str) -> QuerySet[Person]:
    """The persons the persons list shows `user` for `query` (a saved view's query string), with
    the filters apps above added to the list: what an NPS survey sent to a saved view asks."""
    params = QueryDict(query)
    persons = persons_list(user, customer_filters_from(params), columns=())
    for extra in list_extra_filters("persons"):
        raw = params.get(extra.param, "")
        value = (extra.cleaner(raw) or "") if raw else ""
        if value:
            persons = extra.apply(persons, value)
    return persons


def companies_list(
    user: User, filters: CustomerFilters, *, columns: Collection[str] | None = None
) -> QuerySet[Company]:
    qs = companies_visible_to(user)
    if filters.q:
        qs = qs.filter(pk__in=company_search_ids(user, filters.q))
    qs = _apply_common_filters(qs, filters, RecordType.COMPANY)
    qs = qs.select_related("owner", "team")
    return qs.prefetch_related("tags") if columns is None or "tags" in columns else qs


def person_detail(user: User, person_id: int) -> Person:
    """A person with everything the 360° page and the API detail show, in a fixed few queries."""
    person = get_person_for_user(user, person_id)
    return (
        Person.objects.select_related("owner", "team")
        .prefetch_related(
            "tags",
            "phones",
            "emails",
            "addresses",
            Prefetch("employments", queryset=Employment.objects.select_related("company")),
        )
        .get(pk=person.pk)
    )


def company_detail(user: User, company_id: int) -> Company:
    company = get_company_for_user(user, company_id)
    return (
        Company.objects.select_related("owner", "team")
        .prefetch_related("tags", "addresses")
        .get(pk=company.pk)
    )


def company_people(user: User, company: Company) -> QuerySet[Employment]:
    """The company's people that `user` may see, with their job titles."""
    return (
        Employment.objects.filter(company=company, person__in=persons_visible_to(user))
        .select_related("person")
        .order_by("-is_primary", "person__full_name")
    )


def tags_all() -> QuerySet[Tag]:
    # Tags are a shared vocabulary: everyone sees all of them.
    return Tag.objects.all()


def get_tag(tag_id: int) -> Tag:
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise NotFound(_("Tag not found."))
    return tag


def custom_fields_for(record_type: str, *, active_only: bool = True) -> list[CustomFieldDefinition]:
    qs = CustomFieldDefinition.objects.filter(record_type=record_type)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs)


def get_custom_field(definition_id: int) -> CustomFieldDefinition:
    definition = CustomFieldDefinition.objects.filter(pk=definition_id).first()
    if definition is None:
        raise NotFound(_("Custom field not found."))
    return definition
