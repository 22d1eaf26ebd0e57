"""REST endpoints for persons, companies, tags and custom field definitions.

Each endpoint reads through `selectors` (so another team's record is a 404) and writes through
`services` (which validate everything and raise `ApplicationError`s the API turns into JSON).
"""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api_schemas import (
    EMAIL_MAX,
    PHONE_INPUT_MAX,
    BodyId,
    BodyInt,
    BodyPosition,
    BodyTagIds,
    BodyVersion,
    InputSchema,
    Listing,
    Page,
    TagRef,
    TeamRef,
    UserRef,
    checked_sort,
    column_text,
    error_responses,
    items,
    paginate,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId
from rapport.customers import selectors, services
from rapport.customers.duplicates import likely_duplicates
from rapport.customers.models import (
    Address,
    Company,
    ContactLabel,
    CustomFieldDefinition,
    CustomFieldType,
    Gender,
    LifecycleStage,
    Person,
    RecordType,
    SourceChannel,
    Tag,
)

persons_router = Router(tags=["persons"])
companies_router = Router(tags=["companies"])
tags_router = Router(tags=["tags"])
custom_fields_router = Router(tags=["custom fields"])

CUSTOM_FILTER_PREFIX = "cf_"
LIST_DESCRIPTION = (
    "Filters: `q` (name, pinyin, phone digits, e-mail), `owner_id`, `team_id`, `tag_id`, "
    "`lifecycle_stage`, `region`, `source`, and custom fields as `cf_<key>=<value>`. "
    "Pages hold `limit` records (default 25); pass `next_cursor` back as `cursor`."
)


# --- Schemas: shared pieces ----------------------------------------------------------------------


class PhoneOut(Schema):
    number: str
    label: str
    is_primary: bool


class EmailOut(Schema):
    email: str
    label: str
    is_primary: bool


class AddressOut(Schema):
    label: str
    country: str
    province: str
    city: str
    district: str
    street: str
    postcode: str


class EmploymentOut(Schema):
    company_id: int
    company_name: str
    job_title: str
    department: str
    is_primary: bool

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.company.name


# The services take at most this many phones, e-mails, addresses or employments per record.
MAX_CONTACTS = 20


class PhoneIn(InputSchema):
    number: text(PHONE_INPUT_MAX)
    label: ContactLabel | None = None
    is_primary: bool = False


class EmailIn(InputSchema):
    email: text(EMAIL_MAX)
    label: ContactLabel | None = None
    is_primary: bool = False


class AddressIn(InputSchema):
    label: ContactLabel | None = None
    country: column_text(Address, "country") | None = None
    province: column_text(Address, "province") | None = None
    city: column_text(Address, "city") | None = None
    district: column_text(Address, "district") | None = None
    street: column_text(Address, "street") | None = None
    postcode: column_text(Address, "postcode") | None = None


class EmploymentIn(InputSchema):
    company_id: BodyId
    job_title: text(100) | None = None
    department: text(100) | None = None
    is_primary: bool = False


class RawPhoneOut(Schema):
    label: str
    raw: str


# A kept number is sent back as it was read, however long the import found it.
RAW_PHONE_MAX = 500


class RawPhoneIn(InputSchema):
    raw: text(RAW_PHONE_MAX)
    label: str | None = Field(None, description="Ignored: the kept number keeps its label.")


BIRTHDAY_DESCRIPTION = (
    "A birthday is `birthday` (a date) or, when the year is unknown, `birth_month` and "
    "`birth_day` (29 February allowed; 30 February is a 422 on `birth_day`). With a `birthday` "
    "set, they are its month and day. Sending only `birth_month` and `birth_day` keeps the year "
    "the person's birthday has; `birthday: null` with them drops it; `birthday: null` alone "
    "clears all three. `raw_phones` are numbers an import kept as written because they are "
    "valid in no region: a PATCH may keep or drop them (send those to keep), not add one; a "
    "corrected number goes under `phones`."
)


class CustomerListQuery(Listing):
    q: str = ""
    owner_id: RecordId | None = None
    team_id: RecordId | None = None
    tag_id: RecordId | None = None
    lifecycle_stage: LifecycleStage | None = None
    region: str = ""
    source: SourceChannel | None = None


def _filters(request: HttpRequest, query: CustomerListQuery) -> selectors.CustomerFilters:
    custom = {
        key.removeprefix(CUSTOM_FILTER_PREFIX): value
        for key, value in request.GET.items()
        if key.startswith(CUSTOM_FILTER_PREFIX)
    }
    return selectors.CustomerFilters(
        q=query.q.strip(),
        owner_id=query.owner_id,
        team_id=query.team_id,
        tag_id=query.tag_id,
        lifecycle_stage=query.lifecycle_stage or "",
        region=query.region.strip(),
        source=query.source or "",
        custom=custom,
    )


# --- Persons -------------------------------------------------------------------------------------


class PersonListItem(Schema):
    id: int
    full_name: str
    given_name: str
    middle_name: str
    family_name: str
    nickname: str
    gender: str
    birthday: datetime.date | None
    birth_month: int | None
    birth_day: int | None
    industry: str
    region: str
    source: str
    lifecycle_stage: str
    primary_phone: str
    primary_email: str
    company: EmploymentOut | None
    tags: list[TagRef]
    custom: dict[str, Any]
    owner: UserRef
    team: TeamRef | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_company(obj):
        # persons_list prefetches the primary employment into `primary_employments`.
        employments = getattr(obj, "primary_employments", None) or []
        return employments[0] if employments else None


class PersonOut(Schema):
    id: int
    full_name: str
    given_name: str
    middle_name: str
    family_name: str
    nickname: str
    gender: str
    birthday: datetime.date | None
    birth_month: int | None
    birth_day: int | None
    website: str
    industry: str
    region: str
    source: str
    lifecycle_stage: str
    preferences: str
    notes: str
    primary_phone: str
    primary_email: str
    phones: list[PhoneOut]
    raw_phones: list[RawPhoneOut]
    emails: list[EmailOut]
    addresses: list[AddressOut]
    employments: list[EmploymentOut]
    tags: list[TagRef]
    custom: dict[str, Any]
    owner: UserRef
    team: TeamRef | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PersonIn(InputSchema):
    full_name: column_text(Person, "full_name") | None = None
    given_name: column_text(Person, "given_name") | None = None
    middle_name: column_text(Person, "middle_name") | None = None
    family_name: column_text(Person, "family_name") | None = None
    nickname: column_text(Person, "nickname") | None = None
    gender: Gender | None = None
    birthday: datetime.date | None = None
    birth_month: BodyInt | None = None
    birth_day: BodyInt | None = None
    website: column_text(Person, "website") | None = None
    industry: column_text(Person, "industry") | None = None
    region: column_text(Person, "region") | None = None
    source: SourceChannel | None = None
    lifecycle_stage: LifecycleStage | None = None
    preferences: str | None = None
    notes: str | None = None
    owner_id: BodyId | None = None
    team_id: BodyId | None = None
    tag_ids: BodyTagIds | None = None
    phones: items(PhoneIn, MAX_CONTACTS) | None = None
    emails: items(EmailIn, MAX_CONTACTS) | None = None
    addresses: items(AddressIn, MAX_CONTACTS) | None = None
    employments: items(EmploymentIn, MAX_CONTACTS) | None = None
    raw_phones: items(RawPhoneIn, MAX_CONTACTS) | None = None
    custom: dict[str, Any] | None = None


class PersonPatch(PersonIn):
    version: BodyVersion


@persons_router.get(
    "/persons",
    response={200: Page[PersonListItem], **error_responses(400, 422)},
    description=LIST_DESCRIPTION,
)
def persons_list(request: HttpRequest, query: Query[CustomerListQuery]):
    sort = checked_sort(query.sort, selectors.PERSON_SORTS, "-updated_at")
    filters = _filters(request, query)
    qs = selectors.persons_list(request.auth, filters)
    return paginate(
        qs,
        sort=sort,
        cursor=query.cursor,
        limit=query.limit,
        partitions=selectors.list_partitions(request.auth, filters),
    )


class DuplicateWarningOut(Schema):
    id: int
    full_name: str
    score: int
    reasons: list[str]


class PersonCreatedOut(PersonOut):
    duplicates: list[DuplicateWarningOut] = Field(
        default_factory=list,
        description="Persons you may see that this one likely duplicates (a warning only).",
    )


@persons_router.post(
    "/persons",
    response={201: PersonCreatedOut, **error_responses(400, 422)},
    description=BIRTHDAY_DESCRIPTION,
)
def person_create(request: HttpRequest, payload: PersonIn):
    data = service_input(payload)
    person = services.person_create(actor=request.auth, data=data)
    created = selectors.person_detail(request.auth, person.pk)
    created.duplicates = [
        {"id": d.person.pk, "full_name": d.person.full_name, "score": d.score, "reasons": d.reasons}
        for d in likely_duplicates(request.auth, data, exclude_id=person.pk)
    ]
    return Status(201, created)


@persons_router.get("/persons/{int:person_id}", response={200: PersonOut, **error_responses(404)})
def person_detail(request: HttpRequest, person_id: RecordId):
    return selectors.person_detail(request.auth, person_id)


@persons_router.patch(
    "/persons/{int:person_id}",
    response={200: PersonOut, **error_responses(400, 404, 409, 422)},
    description="Changes only the fields sent. Send the `version` you loaded (required): if "
    "someone changed the person since, the answer is 409 `conflict`. " + BIRTHDAY_DESCRIPTION,
)
def person_update(request: HttpRequest, person_id: RecordId, payload: PersonPatch):
    person = selectors.get_person_for_user(request.auth, person_id)
    data = service_input(payload)
    version = data.pop("version")
    services.person_update(actor=request.auth, person=person, data=data, version=version)
    return selectors.person_detail(request.auth, person_id)


@persons_router.delete(
    "/persons/{int:person_id}", response={204: None, **error_responses(404, 409)}
)
def person_delete(request: HttpRequest, person_id: RecordId):
    person = selectors.get_person_for_user(request.auth, person_id)
    services.person_delete(actor=request.auth, person=person)
    return Status(204, None)


# --- Companies -----------------------------------------------------------------------------------


class CompanyListItem(Schema):
    id: int
    name: str
    english_name: str
    website: str
    phone: str
    email: str
    industry: str
    region: str
    source: str
    lifecycle_stage: str
    tags: list[TagRef]
    custom: dict[str, Any]
    owner: UserRef
    team: TeamRef | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CompanyOut(CompanyListItem):
    notes: str
    addresses: list[AddressOut]


class CompanyIn(InputSchema):
    name: column_text(Company, "name") | None = None
    english_name: column_text(Company, "english_name") | None = None
    website: column_text(Company, "website") | None = None
    phone: column_text(Company, "phone") | None = None
    email: column_text(Company, "email") | None = None
    industry: column_text(Company, "industry") | None = None
    region: column_text(Company, "region") | None = None
    source: SourceChannel | None = None
    lifecycle_stage: LifecycleStage | None = None
    notes: str | None = None
    owner_id: BodyId | None = None
    team_id: BodyId | None = None
    tag_ids: BodyTagIds | None = None
    addresses: items(AddressIn, MAX_CONTACTS) | None = None
    custom: dict[str, Any] | None = None


class CompanyPatch(CompanyIn):
    version: BodyVersion


@companies_router.get(
    "/companies",
    response={200: Page[CompanyListItem], **error_responses(400, 422)},
    description=LIST_DESCRIPTION,
)
def companies_list(request: HttpRequest, query: Query[CustomerListQuery]):
    sort = checked_sort(query.sort, selectors.COMPANY_SORTS, "-updated_at")
    filters = _filters(request, query)
    qs = selectors.companies_list(request.auth, filters)
    return paginate(
        qs,
        sort=sort,
        cursor=query.cursor,
        limit=query.limit,
        partitions=selectors.list_partitions(request.auth, filters),
    )


@companies_router.post("/companies", response={201: CompanyOut, **error_responses(400, 422)})
def company_create(request: HttpRequest, payload: CompanyIn):
    company = services.company_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.company_detail(request.auth, company.pk))


@companies_router.get(
    "/companies/{int:company_id}", response={200: CompanyOut, **error_responses(404)}
)
def company_detail(request: HttpRequest, company_id: RecordId):
    return selectors.company_detail(request.auth, company_id)


@companies_router.patch(
    "/companies/{int:company_id}",
    response={200: CompanyOut, **error_responses(400, 404, 409, 422)},
    description="Changes only the fields sent; `version` as for persons.",
)
def company_update(request: HttpRequest, company_id: RecordId, payload: CompanyPatch):
    company = selectors.get_company_for_user(request.auth, company_id)
    data = service_input(payload)
    version = data.pop("version")
    services.company_update(actor=request.auth, company=company, data=data, version=version)
    return selectors.company_detail(request.auth, company_id)


@companies_router.delete(
    "/companies/{int:company_id}", response={204: None, **error_responses(404, 409)}
)
def company_delete(request: HttpRequest, company_id: RecordId):
    company = selectors.get_company_for_user(request.auth, company_id)
    services.company_delete(actor=request.auth, company=company)
    return Status(204, None)


# --- Tags ----------------------------------------------------------------------------------------


class TagIn(InputSchema):
    name: column_text(Tag, "name") = Field(description="Unique among tags (422 if taken).")
    color: column_text(Tag, "color") | None = None


class TagPatch(InputSchema):
    name: column_text(Tag, "name") | None = None
    color: column_text(Tag, "color") | None = None


@tags_router.get("/tags", response={200: Page[TagRef], **error_responses(400, 422)})
def tags_list(request: HttpRequest, query: Query[Listing]):
    sort = checked_sort(query.sort, ("name", "-name"), "name")
    return paginate(selectors.tags_all(), sort=sort, cursor=query.cursor, limit=query.limit)


@tags_router.post("/tags", response={201: TagRef, **error_responses(400, 422)})
def tag_create(request: HttpRequest, payload: TagIn):
    data = service_input(payload)
    if data.get("color") is None:
        data.pop("color", None)
    return Status(201, services.tag_create(actor=request.auth, data=data))


@tags_router.get("/tags/{int:tag_id}", response={200: TagRef, **error_responses(404)})
def tag_detail(request: HttpRequest, tag_id: RecordId):
    return selectors.get_tag(tag_id)


@tags_router.patch(
    "/tags/{int:tag_id}",
    response={200: TagRef, **error_responses(400, 403, 404, 422)},
    description="Administrators only.",
)
def tag_update(request: HttpRequest, tag_id: RecordId, payload: TagPatch):
    tag = selectors.get_tag(tag_id)
    return services.tag_update(actor=request.auth, tag=tag, data=service_input(payload))


@tags_router.delete(
    "/tags/{int:tag_id}",
    response={204: None, **error_responses(403, 404)},
    description="Administrators only.",
)
def tag_delete(request: HttpRequest, tag_id: RecordId):
    tag = selectors.get_tag(tag_id)
    services.tag_delete(actor=request.auth, tag=tag)
    return Status(204, None)


# --- Custom field definitions --------------------------------------------------------------------


class CustomFieldOut(Schema):
    id: int
    record_type: str
    key: str
    label: str
    field_type: str
    choices: list[str]
    required: bool
    position: int
    is_active: bool


CHOICE_MAX = 100
Choices = items(text(CHOICE_MAX))


class CustomFieldIn(InputSchema):
    record_type: RecordType
    key: column_text(CustomFieldDefinition, "key")
    label: column_text(CustomFieldDefinition, "label")
    field_type: CustomFieldType
    choices: Choices | None = None
    required: bool | None = None
    position: BodyPosition | None = None
    is_active: bool | None = None


class CustomFieldPatch(InputSchema):
    # record_type, key and field_type are fixed once a field exists; the service says so.
    record_type: RecordType | None = None
    key: column_text(CustomFieldDefinition, "key") | None = None
    field_type: CustomFieldType | None = None
    label: column_text(CustomFieldDefinition, "label") | None = None
    choices: Choices | None = None
    required: bool | None = None
    position: BodyPosition | None = None
    is_active: bool | None = None


class CustomFieldQuery(Schema):
    record_type: RecordType | None = None
    include_inactive: bool = False


class CustomFieldPage(Schema):
    items: list[CustomFieldOut]
    next_cursor: str | None
    prev_cursor: str | None


@custom_fields_router.get(
    "/custom-fields",
    response={200: CustomFieldPage, **error_responses(422)},
    description="Every definition on one page (an administrator defines a handful), so the "
    "cursors are always null.",
)
def custom_fields_list(request: HttpRequest, query: Query[CustomFieldQuery]):
    record_types = [query.record_type] if query.record_type else list(RecordType)
    items = [
        definition
        for record_type in record_types
        for definition in selectors.custom_fields_for(
            record_type, active_only=not query.include_inactive
        )
    ]
    return {"items": items, "next_cursor": None, "prev_cursor": None}


@custom_fields_router.post(
    "/custom-fields",
    response={201: CustomFieldOut, **error_responses(400, 403, 422)},
    description="Administrators only.",
)
def custom_field_create(request: HttpRequest, payload: CustomFieldIn):
    definition = services.custom_field_create(actor=request.auth, data=service_input(payload))
    return Status(201, definition)


@custom_fields_router.get(
    "/custom-fields/{int:definition_id}",
    response={200: CustomFieldOut, **error_responses(404)},
)
def custom_field_detail(request: HttpRequest, definition_id: RecordId):
    return selectors.get_custom_field(definition_id)


@custom_fields_router.patch(
    "/custom-fields/{int:definition_id}",
    response={200: CustomFieldOut, **error_responses(400, 403, 404, 422)},
    description="Administrators only.",
)
def custom_field_update(request: HttpRequest, definition_id: RecordId, payload: CustomFieldPatch):
    definition = selectors.get_custom_field(definition_id)
    return services.custom_field_update(
        actor=request.auth, definition=definition, data=service_input(payload)
    )


@custom_fields_router.delete(
    "/custom-fields/{int:definition_id}",
    response={204: None, **error_responses(403, 404)},
    description="Administrators only. Values already stored on records are kept but no longer "
    "shown.",
)
def custom_field_delete(request: HttpRequest, definition_id: RecordId):
    definition = selectors.get_custom_field(definition_id)
    services.custom_field_delete(actor=request.auth, definition=definition)
    return Status(204, None)
