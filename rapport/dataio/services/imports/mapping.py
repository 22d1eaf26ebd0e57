"""What an import can fill, and which column of a file goes where.

`import_fields(target)` lists the fields of one kind of record an import can set, with the rules
`rows.RowCleaner` applies to each. `propose_mapping(columns, target)` matches a file's headers to
those fields by Chinese and English synonyms, ignoring case, spaces and punctuation, and maps the
exports of Google Contacts, Outlook and vCard files completely without help.
"""

import dataclasses
import re
import unicodedata
from functools import cache

from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rapport.activities.models import Channel, Direction, Interaction
from rapport.customers.models import (
    Address,
    Company,
    CustomFieldDefinition,
    CustomFieldType,
    Gender,
    LifecycleStage,
    Person,
    RecordType,
    SourceChannel,
    Tag,
)
from rapport.sales.models import Lead, LeadStatus, Order, Payment, PaymentMethod, Product
from rapport.sales.selectors.leads import OPEN_STATUSES

TARGETS = ("persons", "companies", "leads", "interactions", "products", "orders", "payments")
# The targets whose rows `rows.RowCleaner` can clean; the others are not importable yet.
SUPPORTED_TARGETS = (
    "persons",
    "companies",
    "leads",
    "interactions",
    "products",
    "orders",
    "payments",
)
CUSTOM_PREFIX = "custom:"
KINDS = ("text", "phone", "email", "date", "datetime", "choice", "multi", "int", "money", "bool")


@dataclasses.dataclass(frozen=True)
class ImportField:
    key: str
    label: str | Promise
    required: bool = False
    kind: str = "text"
    # (code, label) pairs for "choice" and "multi".
    choices: tuple[tuple[str, str | Promise], ...] = ()
    max_length: int | None = None
    # Phones and e-mails may come in several columns (手机, 电话, 座机), all kept.
    repeatable: bool = False


def _length(model, field: str) -> int | None:
    return model._meta.get_field(field).max_length


def _choices(choices) -> tuple[tuple[str, str | Promise], ...]:
    return tuple(choices.choices)


def _address_fields() -> list[ImportField]:
    return [
        ImportField("country", _("country"), max_length=_length(Address, "country")),
        ImportField("province", _("province"), max_length=_length(Address, "province")),
        ImportField("city", _("city"), max_length=_length(Address, "city")),
        ImportField("district", _("district"), max_length=_length(Address, "district")),
        ImportField("street", _("street"), max_length=_length(Address, "street")),
        ImportField("postcode", _("postcode"), max_length=_length(Address, "postcode")),
    ]


def _record_fields(model) -> list[ImportField]:
    """Classification and ownership fields persons and companies share."""
    return [
        ImportField("industry", _("industry"), max_length=_length(model, "industry")),
        ImportField("region", _("region"), max_length=_length(model, "region")),
        ImportField("source", _("source channel"), kind="choice", choices=_choices(SourceChannel)),
        ImportField(
            "lifecycle_stage",
            _("lifecycle stage"),
            kind="choice",
            choices=_choices(LifecycleStage),
        ),
        ImportField("tags", _("tags"), kind="multi", max_length=_length(Tag, "name")),
        ImportField("notes", _("notes")),
        ImportField("external_id", _("external ID"), max_length=100),
        ImportField("owner", _("owner (user name or e-mail)"), max_length=254),
    ]


def _custom_fields(record_type: str) -> list[ImportField]:
    kinds = {
        CustomFieldType.TEXT: "text",
        CustomFieldType.NUMBER: "text",
        CustomFieldType.DATE: "date",
        CustomFieldType.CHOICE: "choice",
        CustomFieldType.MULTI_CHOICE: "multi",
        CustomFieldType.BOOLEAN: "bool",
    }
    return [
        ImportField(
            f"{CUSTOM_PREFIX}{d.key}",
            d.label,
            required=d.required,
            kind=kinds.get(d.field_type, "text"),
            choices=tuple((c, c) for c in d.choices or ()),
            max_length=1000 if d.field_type == CustomFieldType.TEXT else None,
        )
        for d in CustomFieldDefinition.objects.filter(record_type=record_type, is_active=True)
    ]


def _more_address_fields(prefix: str, group: str | Promise) -> list[ImportField]:
    """A second or third address of a person (home, other): the parts of `_address_fields`
    under keys with `prefix`, labelled with the address they belong to."""
    return [
        ImportField(
            f"{prefix}{field.key}",
            format_lazy("{group}: {part}", group=group, part=field.label),
            max_length=field.max_length,
            repeatable=field.key == "street",
        )
        for field in _address_fields()
    ] + [
        ImportField(
            f"{prefix}address_text",
            format_lazy("{group}: {part}", group=group, part=_("whole address in one cell")),
        )
    ]


def _person_fields() -> list[ImportField]:
    address = [
        dataclasses.replace(f, repeatable=True) if f.key == "street" else f
        for f in _address_fields()
    ]
    return [
        ImportField("full_name", _("full name"), max_length=_length(Person, "full_name")),
        ImportField("given_name", _("given name"), max_length=_length(Person, "given_name")),
        ImportField("middle_name", _("middle name"), max_length=_length(Person, "middle_name")),
        ImportField("family_name", _("family name"), max_length=_length(Person, "family_name")),
        ImportField("nickname", _("nickname"), max_length=_length(Person, "nickname")),
        ImportField("phone", _("phone"), kind="phone", repeatable=True),
        ImportField("work_phone", _("work phone"), kind="phone", repeatable=True),
        ImportField("home_phone", _("home phone"), kind="phone", repeatable=True),
        ImportField("other_phone", _("other phone"), kind="phone", repeatable=True),
        ImportField("fax", _("fax"), kind="phone", repeatable=True),
        ImportField("email", _("email"), kind="email", repeatable=True),
        ImportField("home_email", _("home e-mail"), kind="email", repeatable=True),
        ImportField("other_email", _("other e-mail"), kind="email", repeatable=True),
        ImportField(
            "contact_label",
            _("type of the phone, e-mail or address beside it (Home, Work, …)"),
            repeatable=True,
        ),
        ImportField("gender", _("gender"), kind="choice", choices=_choices(Gender)),
        ImportField("birthday", _("birthday"), kind="date"),
        ImportField("website", _("website"), max_length=_length(Person, "website")),
        ImportField("company", _("company"), max_length=_length(Company, "name")),
        ImportField("job_title", _("job title"), max_length=100),
        ImportField("department", _("department"), max_length=100),
        *address,
        ImportField("address_text", _("whole address in one cell")),
        *_more_address_fields("home_", _("home address")),
        *_more_address_fields("other_", _("other address")),
        *_record_fields(Person),
        ImportField(
            "note_line", _("a line of the notes, after the column's name"), repeatable=True
        ),
    ]


def _company_fields() -> list[ImportField]:
    return [
        ImportField("name", _("name"), required=True, max_length=_length(Company, "name")),
        ImportField("english_name", _("English name"), max_length=_length(Company, "english_name")),
        ImportField("website", _("website"), max_length=_length(Company, "website")),
        ImportField("phone", _("phone"), kind="phone"),
        ImportField("email", _("email"), kind="email"),
        *_address_fields(),
        *_record_fields(Company),
    ]


def _open_lead_statuses() -> tuple[tuple[str, str | Promise], ...]:
    return tuple((code, label) for code, label in LeadStatus.choices if code in OPEN_STATUSES)


def _lead_fields() -> list[ImportField]:
    return [
        ImportField("full_name", _("name"), max_length=_length(Lead, "full_name")),
        ImportField("given_name", _("given name"), max_length=100),
        ImportField("family_name", _("family name"), max_length=100),
        ImportField("company", _("company"), max_length=_length(Lead, "company_name")),
        ImportField("job_title", _("job title"), max_length=_length(Lead, "job_title")),
        ImportField("phone", _("phone"), kind="phone"),
        ImportField("email", _("email"), kind="email"),
        ImportField("region", _("region"), max_length=_length(Lead, "region")),
        ImportField("city", _("city"), max_length=_length(Lead, "city")),
        ImportField("source", _("source channel"), kind="choice", choices=_choices(SourceChannel)),
        ImportField("campaign", _("campaign"), max_length=_length(Lead, "campaign")),
        ImportField("budget", _("budget"), kind="money"),
        ImportField("message", _("message")),
        # Converting and disqualifying are actions with their own rules, not values to import.
        ImportField("status", _("status"), kind="choice", choices=_open_lead_statuses()),
        ImportField("external_id", _("external ID"), max_length=100),
        ImportField("owner", _("owner (user name or e-mail)"), max_length=254),
    ]


def _product_fields() -> list[ImportField]:
    return [
        ImportField("sku", _("SKU"), required=True, max_length=_length(Product, "sku")),
        ImportField("name", _("name"), required=True, max_length=_length(Product, "name")),
        ImportField("category", _("category"), max_length=_length(Product, "category")),
        ImportField("unit_price", _("unit price"), required=True, kind="money"),
        ImportField("currency", _("currency"), max_length=3),
        ImportField("description", _("description")),
        ImportField("is_active", _("active"), kind="bool"),
    ]


def _interaction_fields() -> list[ImportField]:
    """An interaction row names its customer by phone or e-mail (and the company, to tell apart
    persons who share them); the customer must already exist."""
    return [
        ImportField(
            "channel", _("channel"), required=True, kind="choice", choices=_choices(Channel)
        ),
        ImportField("direction", _("direction"), kind="choice", choices=_choices(Direction)),
        ImportField("occurred_at", _("time"), required=True, kind="datetime"),
        ImportField(
            "subject", _("subject"), required=True, max_length=_length(Interaction, "subject")
        ),
        ImportField("content", _("content"), max_length=20000),
        ImportField("outcome", _("outcome"), max_length=_length(Interaction, "outcome")),
        ImportField("phone", _("customer's phone"), kind="phone", repeatable=True),
        ImportField("email", _("customer's e-mail"), kind="email", repeatable=True),
        ImportField("company", _("customer's company"), max_length=_length(Company, "name")),
        ImportField("logged_by", _("logged by (user name or e-mail)"), max_length=254),
    ]


def _order_fields() -> list[ImportField]:
    """One row per order line; consecutive rows with the same reference are one order, whose
    customer (a visible person by phone or e-mail, or a visible company by name), date and
    currency (CNY when not given) are read from its first row."""
    return [
        ImportField("order_ref", _("order reference"), required=True, max_length=100),
        ImportField("placed_at", _("order date"), kind="datetime"),
        ImportField("currency", _("currency"), max_length=3),
        ImportField("phone", _("customer's phone"), kind="phone", repeatable=True),
        ImportField("email", _("customer's e-mail"), kind="email", repeatable=True),
        ImportField("company", _("customer's company"), max_length=_length(Company, "name")),
        ImportField("sku", _("SKU"), max_length=_length(Product, "sku")),
        ImportField("description", _("description"), max_length=200),
        ImportField("quantity", _("quantity"), required=True, kind="int"),
        ImportField("unit_price", _("unit price"), kind="money"),
        ImportField("discount", _("discount"), kind="money"),
        # A percentage of the line (0–100), turned into the amount by `order_create`.
        ImportField("discount_percent", _("discount (%)"), max_length=10),
    ]


def _payment_fields() -> list[ImportField]:
    """A payment row names its order by number; the order must exist and be visible. The
    amount, time and method are checked by `payment_record` itself."""
    return [
        ImportField(
            "order_number",
            _("order number"),
            required=True,
            max_length=_length(Order, "number"),
        ),
        ImportField("amount", _("amount"), required=True, kind="money"),
        ImportField("paid_at", _("paid at"), required=True, kind="datetime"),
        ImportField("method", _("method"), kind="choice", choices=_choices(PaymentMethod)),
        ImportField("reference", _("reference"), max_length=_length(Payment, "reference")),
        ImportField("notes", _("notes"), max_length=2000),
    ]


def import_fields(target: str) -> list[ImportField]:
    """The fields an import of `target` can fill, custom fields (one query) included."""
    if target == "persons":
        return _person_fields() + _custom_fields(RecordType.PERSON)
    if target == "companies":
        return _company_fields() + _custom_fields(RecordType.COMPANY)
    if target == "leads":
        return _lead_fields()
    if target == "interactions":
        return _interaction_fields()
    if target == "products":
        return _product_fields()
    if target == "orders":
        return _order_fields()
    if target == "payments":
        return _payment_fields()
    raise ValueError(f"Unknown or unsupported import target: {target!r}")


# --- Proposing a mapping -------------------------------------------------------------------------


def normalize_header(name: str) -> str:
    """A header reduced for comparison: NFKC (full-width to half-width), lower case, without
    spaces or punctuation ("Ｅ-Mail", "（手机）" → "email", "手机"). A trailing number ("电话2",
    "Phone 1") is kept here; `propose_mapping` tries the header without it when it has no match."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = re.sub(r"[\s\-_./\\:;,()\[\]{}*#'\"“”‘’（）【】：；，。、]+", "", text)
    return text


# Headers people write, per field, already normalised (see normalize_header). Fields of several
# targets share a key, so one table serves all.
# fmt: off
SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "姓名", "名字", "客户姓名", "客户名称", "联系人", "联系人姓名", "客户", "全名", "称呼",
        "name", "fullname", "contactname", "contact", "displayname", "customername",
        "customer", "姓名全称",
    ),
    "given_name": ("名", "givenname", "firstname", "first", "forename", "英文名"),
    "family_name": ("姓", "姓氏", "familyname", "lastname", "surname", "last", "英文姓"),
    "phone": (
        "手机", "手机号", "手机号码", "移动电话", "电话", "联系电话", "电话号码", "座机",
        "固话", "固定电话", "联系方式", "手机电话", "mobile", "mobilephone",
        "cellphone", "cell", "phone", "phonenumber", "telephone", "tel", "tel;cell", "主要电话",
    ),
    "work_phone": ("商务电话", "公司电话", "工作电话", "办公电话", "办公室电话", "单位电话",
                   "workphone", "businessphone", "officephone"),
    "home_phone": ("住宅电话", "家庭电话", "家里电话", "家庭座机", "homephone"),
    "other_phone": ("其他电话", "其它电话", "otherphone"),
    "fax": ("传真", "传真号", "传真号码", "商务传真", "公司传真", "fax", "faxnumber",
            "businessfax", "workfax"),
    "home_email": ("私人邮箱", "个人邮箱", "家庭邮箱", "homeemail", "personalemail",
                   "privateemail"),
    "middle_name": ("中间名", "middlename", "additionalname", "middle"),
    "nickname": ("昵称", "绰号", "小名", "nickname", "nick"),
    "department": ("部门", "所属部门", "科室", "department", "dept"),
    "home_street": ("家庭住址", "家庭地址", "住宅地址", "住址", "homeaddress", "homestreet"),
    "home_city": ("家庭城市", "homecity"),
    "home_postcode": ("家庭邮编", "homepostcode", "homepostalcode", "homezip"),
    "email": (
        "邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址", "email", "mail", "emailaddress",
        "e-mail", "emailaddr", "电子邮件地址", "邮件地址",
    ),
    "gender": ("性别", "gender", "sex"),
    "birthday": ("生日", "出生日期", "出生年月日", "生辰", "birthday", "dateofbirth", "dob",
                 "birthdate", "bday"),
    "company": ("公司", "单位", "公司名称", "单位名称", "工作单位", "企业", "企业名称", "所在公司",
                "company", "companyname", "organization", "organisation", "org", "employer"),
    "job_title": ("职位", "职务", "岗位", "头衔", "职称", "jobtitle", "title", "position",
                  "role"),
    "country": ("国家", "国家地区", "国别", "country", "countryregion", "nation",
                "adrcountry"),
    "province": ("省", "省份", "所在省份", "省市", "州", "省州", "province", "state",
                 "adrregion", "stateprovince"),
    "city": ("城市", "市", "所在城市", "地级市", "city", "town", "adrlocality", "locality"),
    "district": ("区", "区县", "县区", "区域县", "县", "district", "county"),
    "street": ("地址", "详细地址", "街道", "街道地址", "通讯地址", "联系地址", "street",
               "address", "streetaddress", "adrstreet", "addressline1"),
    "postcode": ("邮编", "邮政编码", "postcode", "postalcode", "zip", "zipcode",
                 "adrpostcode"),
    "industry": ("行业", "所属行业", "industry", "sector"),
    "region": ("区域", "大区", "地区", "销售区域", "region", "area", "territory"),
    "source": ("来源", "渠道", "客户来源", "来源渠道", "线索来源", "source", "channel",
               "leadsource"),
    "lifecycle_stage": ("阶段", "客户阶段", "生命周期", "生命周期阶段", "客户状态",
                        "lifecyclestage", "stage", "lifecycle"),
    "tags": ("标签", "分组", "分类标签", "tags", "tag", "labels", "groups", "groupmembership",
             "categories"),
    "notes": ("备注", "说明", "附注", "notes", "note", "remarks", "comment", "comments"),
    "external_id": ("编号", "客户编号", "外部编号", "id", "externalid", "uid", "客户id",
                    "customerid", "recordid"),
    "owner": ("负责人", "销售", "所属销售", "归属人", "跟进人", "客户经理", "owner",
              "accountowner", "salesrep", "assignedto"),
    "name": ("公司", "公司名称", "企业名称", "单位", "单位名称", "客户名称", "名称", "name",
             "company", "companyname", "organization", "accountname"),
    "english_name": ("英文名", "英文名称", "公司英文名", "englishname"),
    "website": ("网站", "网址", "官网", "主页", "website", "url", "webpage", "homepage", "web"),
    "campaign": ("活动", "营销活动", "campaign"),
    "budget": ("预算", "budget"),
    "message": ("留言", "咨询内容", "需求", "需求描述", "message", "inquiry", "enquiry"),
    "status": ("状态", "线索状态", "status"),
    "sku": ("sku", "货号", "商品编码", "产品编码", "物料编码", "编码", "productcode", "itemcode",
            "code"),
    "category": ("分类", "类别", "产品分类", "商品分类", "category"),
    "unit_price": ("单价", "价格", "售价", "单价元", "price", "unitprice", "listprice"),
    "currency": ("币种", "货币", "currency"),
    "description": ("描述", "说明", "产品描述", "description"),
    "is_active": ("启用", "是否启用", "在售", "active", "isactive", "enabled"),
    "channel": ("渠道", "方式", "跟进方式", "沟通方式", "联系渠道", "互动方式", "类型", "跟进类型",
                "channel", "type", "medium"),
    "direction": ("方向", "呼叫方向", "呼入呼出", "direction", "inout"),
    "occurred_at": ("时间", "日期", "日期时间", "跟进时间", "沟通时间", "联系时间", "发生时间",
                    "拜访时间", "通话时间", "time", "date", "datetime", "occurredat", "when",
                    "timestamp"),
    "subject": ("主题", "标题", "事由", "摘要", "subject", "title", "summary"),
    "content": ("内容", "详情", "跟进内容", "沟通内容", "跟进记录", "沟通记录", "记录", "备注",
                "content", "body", "details", "notes", "note", "description"),
    "outcome": ("结果", "跟进结果", "沟通结果", "outcome", "result"),
    "logged_by": ("记录人", "跟进人", "操作人", "创建人", "销售", "负责人", "loggedby", "user",
                  "owner"),
    "order_number": ("订单号", "订单编号", "订单", "单号", "销售单号", "销售订单号", "ordernumber",
                     "orderno", "order", "ordernum", "orderid"),
    "amount": ("金额", "付款金额", "收款金额", "实收金额", "支付金额", "到账金额", "amount",
               "paidamount", "paymentamount"),
    "placed_at": ("下单日期", "下单时间", "订单日期", "订购日期", "日期", "时间", "orderdate",
                  "placedat", "date"),
    "paid_at": ("付款日期", "付款时间", "收款日期", "收款时间", "支付日期", "支付时间", "到账日期",
                "到账时间", "日期", "时间", "paidat", "paymentdate", "paiddate", "date", "time"),
    "order_ref": ("订单号", "订单编号", "单号", "外部订单号", "原订单号", "orderref",
                  "orderreference", "ordernumber", "orderno", "order", "orderid"),
    "quantity": ("数量", "件数", "订购数量", "qty", "quantity"),
    "discount": ("折扣", "折扣金额", "优惠", "优惠金额", "discount"),
    "discount_percent": ("折扣率", "折扣百分比", "折扣%", "优惠比例", "discountpercent",
                         "discount%", "discountrate"),
    "method": ("付款方式", "支付方式", "收款方式", "方式", "method", "paymentmethod"),
    "reference": ("流水号", "交易流水号", "交易号", "凭证号", "参考号", "付款凭证", "reference",
                  "ref", "transactionid", "referenceno"),
}
# fmt: on
# For a target, keys that a synonym shared with another field must not win. A company import's
# "公司" is the company's name; a lead's "客户名称" is the person.
TARGET_PRIORITY: dict[str, tuple[str, ...]] = {
    "persons": ("full_name", "company"),
    "companies": ("name",),
    "leads": ("full_name", "company"),
    "products": ("name", "sku"),
    "interactions": ("channel", "occurred_at", "subject", "content", "logged_by", "company"),
    "payments": ("order_number", "amount", "paid_at", "method", "reference", "notes"),
    "orders": ("order_ref", "placed_at", "company", "description", "sku", "unit_price"),
}

# Known exports: exact header → field key, or a reason it is not imported (`NotImported`).
# Every column the exporting program writes is in one table or the other, so that the dry run
# can say what is left out and why. Values that have no field of their own but are the user's
# data (a spouse's name, an anniversary) go to the notes as "column: value" ("note_line").


@dataclasses.dataclass(frozen=True)
class NotImported:
    reason: str | Promise


NO_PHOTO = NotImported(_("a link to the contact's photo; photos are not kept"))
OUTLOOK_SETTING = NotImported(_("a setting of Outlook, not data of the contact"))
FROM_NAME = NotImported(_("made by the exporting program from the name"))
EMAIL_TYPE = NotImported(_("the kind of e-mail address (SMTP), always the same"))
EMAIL_DISPLAY = NotImported(_("the name shown with the e-mail address, made from both"))
ID_NUMBER = NotImported(_("an identity card number; Rapport does not keep these"))
FREE_BUSY = NotImported(_("the address of the contact's calendar availability"))
MORE_ADDRESSES = NotImported(_("Rapport reads three addresses per contact"))

GOOGLE_COLUMNS: dict[str, str | NotImported] = {
    "Name": "full_name",
    "Given Name": "given_name",
    "Additional Name": "middle_name",
    "Family Name": "family_name",
    "First Name": "given_name",
    "Middle Name": "middle_name",
    "Last Name": "family_name",
    "Nickname": "nickname",
    "Name Prefix": "note_line",
    "Name Suffix": "note_line",
    "Yomi Name": "note_line",
    "Given Name Yomi": "note_line",
    "Additional Name Yomi": "note_line",
    "Family Name Yomi": "note_line",
    "Phonetic First Name": "note_line",
    "Phonetic Middle Name": "note_line",
    "Phonetic Last Name": "note_line",
    "Initials": "note_line",
    "Short Name": "note_line",
    "Maiden Name": "note_line",
    "File As": FROM_NAME,
    "Birthday": "birthday",
    "Gender": "gender",
    "Location": "note_line",
    "Billing Information": "note_line",
    "Directory Server": "note_line",
    "Mileage": "note_line",
    "Occupation": "note_line",
    "Hobby": "note_line",
    "Sensitivity": NotImported(_("a setting of Google Contacts, not data of the contact")),
    "Priority": NotImported(_("a setting of Google Contacts, not data of the contact")),
    "Subject": "note_line",
    "Notes": "notes",
    "Language": "note_line",
    "Photo": NO_PHOTO,
    "Group Membership": "tags",
    "Labels": "tags",
    "Organization Name": "company",
    "Organization Title": "job_title",
    "Organization Department": "department",
    "Organization 1 - Name": "company",
    "Organization 1 - Title": "job_title",
    "Organization 1 - Department": "department",
    "Organization 1 - Type": NotImported(_("the kind of organisation entry (Work, Other)")),
}
# Google numbers the values it has several of: "Phone 2 - Value" and its "Phone 2 - Label"
# (the legacy export says "Type"). (pattern, key) by the number-less name; {n} is the number.
GOOGLE_NUMBERED = re.compile(r"(?P<what>.+?) (?P<n>\d+) - (?P<part>.+)")
GOOGLE_ADDRESS_PARTS = {
    "Street": "street",
    "PO Box": "street",
    "Extended Address": "street",
    "City": "city",
    "Region": "province",
    "Postal Code": "postcode",
    "Country": "country",
    "Formatted": "address_text",
}
# Google's first three addresses go to the work, home and other address fields; the label
# beside each says which it really is (see `rows.RowCleaner`).
ADDRESS_GROUPS = ("", "home_", "other_")


def _google_numbered(column: str) -> str | NotImported | None:
    match = GOOGLE_NUMBERED.fullmatch(column)
    if match is None:
        return None
    what, n, part = match["what"], int(match["n"]), match["part"]
    if part in ("Type", "Label"):
        return "contact_label"
    if what == "E-mail" and part == "Value":
        return "email"
    if what == "Phone" and part == "Value":
        return "phone"
    if what == "Address":
        if n > len(ADDRESS_GROUPS):
            return MORE_ADDRESSES
        key = GOOGLE_ADDRESS_PARTS.get(part)
        return f"{ADDRESS_GROUPS[n - 1]}{key}" if key else "note_line"
    if what == "Website" and part == "Value":
        return "website" if n == 1 else "note_line"
    if what == "Organization":
        if part == "Yomi Name":
            return "note_line"
        return "note_line" if n > 1 or part not in ("Name", "Title", "Department") else None
    # Relations, events, instant messaging, custom fields: the user's data, kept in the notes
    # with the label beside it ("Spouse: Anna").
    return "note_line"


def _outlook_address(prefix: str, english: str) -> dict[str, str]:
    return {
        f"{english} Street": f"{prefix}street",
        f"{english} Street 2": f"{prefix}street",
        f"{english} Street 3": f"{prefix}street",
        f"{english} Address PO Box": f"{prefix}street",
        f"{english} City": f"{prefix}city",
        f"{english} State": f"{prefix}province",
        f"{english} Postal Code": f"{prefix}postcode",
        f"{english} Country/Region": f"{prefix}country",
        f"{english} Country": f"{prefix}country",
        # The whole address in one cell, as Google writes an "Outlook CSV".
        f"{english} Address": f"{prefix}address_text",
    }


OUTLOOK_COLUMNS: dict[str, str | NotImported] = {
    "Title": "note_line",  # Mr., Ms.: not the job
    "First Name": "given_name",
    "Middle Name": "middle_name",
    "Last Name": "family_name",
    "Suffix": "note_line",
    "Company": "company",
    "Department": "department",
    "Job Title": "job_title",
    **_outlook_address("", "Business"),
    **_outlook_address("home_", "Home"),
    **_outlook_address("other_", "Other"),
    "Assistant's Phone": "note_line",
    "Business Fax": "fax",
    "Business Phone": "work_phone",
    "Business Phone 2": "work_phone",
    "Callback": "other_phone",
    "Car Phone": "other_phone",
    "Company Main Phone": "work_phone",
    "Home Fax": "fax",
    "Home Phone": "home_phone",
    "Home Phone 2": "home_phone",
    "ISDN": "other_phone",
    "Mobile Phone": "phone",
    "Other Fax": "fax",
    "Other Phone": "other_phone",
    "Pager": "other_phone",
    "Primary Phone": "other_phone",
    "Radio Phone": "other_phone",
    "TTY/TDD Phone": "other_phone",
    "Telex": "note_line",
    "Account": "note_line",
    "Anniversary": "note_line",
    "Assistant's Name": "note_line",
    "Billing Information": "note_line",
    "Birthday": "birthday",
    "Categories": "tags",
    "Children": "note_line",
    "Directory Server": "note_line",
    "E-mail Address": "email",
    "E-mail Type": EMAIL_TYPE,
    "E-mail Display Name": EMAIL_DISPLAY,
    "E-mail 2 Address": "email",
    "E-mail 2 Type": EMAIL_TYPE,
    "E-mail 2 Display Name": EMAIL_DISPLAY,
    "E-mail 3 Address": "email",
    "E-mail 3 Type": EMAIL_TYPE,
    "E-mail 3 Display Name": EMAIL_DISPLAY,
    "Gender": "gender",
    "Government ID Number": ID_NUMBER,
    "Hobby": "note_line",
    "Initials": FROM_NAME,
    "Internet Free Busy": FREE_BUSY,
    "Keywords": "note_line",
    "Language": "note_line",
    "Location": "note_line",
    "Manager's Name": "note_line",
    "Mileage": "note_line",
    "Notes": "notes",
    "Office Location": "note_line",
    "Organizational ID Number": "note_line",
    "Priority": OUTLOOK_SETTING,
    "Private": OUTLOOK_SETTING,
    "Profession": "note_line",
    "Referred By": "note_line",
    "Sensitivity": OUTLOOK_SETTING,
    "Spouse": "note_line",
    "User 1": "note_line",
    "User 2": "note_line",
    "User 3": "note_line",
    "User 4": "note_line",
    "Web Page": "website",
}


def _zh_address(chinese: str, english: str) -> dict[str, str]:
    return {
        f"{chinese} 街道": f"{english} Street",
        f"{chinese} 街道 2": f"{english} Street 2",
        f"{chinese} 街道 3": f"{english} Street 3",
        f"{chinese} 市/县": f"{english} City",
        f"{chinese} 省/市/自治区": f"{english} State",
        f"{chinese} 邮政编码": f"{english} Postal Code",
        f"{chinese} 国家/地区": f"{english} Country/Region",
        f"{chinese} - 邮箱": f"{english} Address PO Box",  # 邮箱 here is the post-office box
    }


# The headers of a Chinese Outlook's CSV export, with the English header of each.
OUTLOOK_CHINESE: dict[str, str] = {
    "英文称谓": "Title",
    "名": "First Name",
    "中间名": "Middle Name",
    "姓": "Last Name",
    "中文称谓": "Suffix",
    "称谓": "Suffix",
    "单位": "Company",
    "公司": "Company",
    "部门": "Department",
    "职务": "Job Title",
    **_zh_address("商务地址", "Business"),
    **_zh_address("住宅地址", "Home"),
    **_zh_address("其他地址", "Other"),
    "助理的电话": "Assistant's Phone",
    "商务传真": "Business Fax",
    "商务电话": "Business Phone",
    "商务电话 2": "Business Phone 2",
    "回电话": "Callback",
    "车载电话": "Car Phone",
    "单位主要电话": "Company Main Phone",
    "住宅传真": "Home Fax",
    "住宅电话": "Home Phone",
    "住宅电话 2": "Home Phone 2",
    "ISDN": "ISDN",
    "移动电话": "Mobile Phone",
    "其他传真": "Other Fax",
    "其他电话": "Other Phone",
    "寻呼机": "Pager",
    "主要电话": "Primary Phone",
    "无绳电话": "Radio Phone",
    "TTY/TDD 电话": "TTY/TDD Phone",
    "电报": "Telex",
    "Internet 忙闲": "Internet Free Busy",
    "办公地点": "Office Location",
    "地点": "Location",
    "电子邮件地址": "E-mail Address",
    "电子邮件类型": "E-mail Type",
    "电子邮件显示名称": "E-mail Display Name",
    "电子邮件 2 地址": "E-mail 2 Address",
    "电子邮件 2 类型": "E-mail 2 Type",
    "电子邮件 2 显示名": "E-mail 2 Display Name",
    "电子邮件 3 地址": "E-mail 3 Address",
    "电子邮件 3 类型": "E-mail 3 Type",
    "电子邮件 3 显示名": "E-mail 3 Display Name",
    "附注": "Notes",
    "备注": "Notes",
    "工作证号码": "Organizational ID Number",
    "关键词": "Keywords",
    "记帐信息": "Billing Information",
    "纪念日": "Anniversary",
    "经理姓名": "Manager's Name",
    "类别": "Categories",
    "里程": "Mileage",
    "敏感度": "Sensitivity",
    "目录服务器": "Directory Server",
    "配偶": "Spouse",
    "身份证编号": "Government ID Number",
    "生日": "Birthday",
    "私有": "Private",
    "缩写": "Initials",
    "网页": "Web Page",
    "性别": "Gender",
    "业余爱好": "Hobby",
    "引用者": "Referred By",
    "用户 1": "User 1",
    "用户 2": "User 2",
    "用户 3": "User 3",
    "用户 4": "User 4",
    "优先级": "Priority",
    "语言": "Language",
    "帐户": "Account",
    "职业": "Profession",
    "助理的姓名": "Assistant's Name",
    "子女": "Children",
}
# Chinese Outlook versions differ in spaces ("住宅电话2", "住宅地址- 邮箱"): compared without.
_OUTLOOK_CHINESE_BARE = {re.sub(r"\s+", "", k): v for k, v in OUTLOOK_CHINESE.items()}


def outlook_english_header(column: str) -> str:
    """The English Outlook header of a Chinese Outlook header; other headers as they are."""
    return _OUTLOOK_CHINESE_BARE.get(re.sub(r"\s+", "", column), column)


VCARD_MAPPING: dict[str, str | NotImported] = {
    "FN": "full_name",
    "N.family": "family_name",
    "N.given": "given_name",
    "N.middle": "middle_name",
    "N.prefix": "note_line",
    "N.suffix": "note_line",
    "NICKNAME": "nickname",
    "TEL;CELL": "phone",
    "TEL;WORK": "work_phone",
    "TEL;HOME": "home_phone",
    "TEL;FAX": "fax",
    "TEL": "other_phone",
    "EMAIL": "email",
    "EMAIL;HOME": "home_email",
    "ORG": "company",
    "ORG.unit": "department",
    "TITLE": "job_title",
    "ROLE": "note_line",
    "ADR.country": "country",
    "ADR.region": "province",
    "ADR.locality": "city",
    "ADR.street": "street",
    "ADR.postcode": "postcode",
    "ADR;HOME.country": "home_country",
    "ADR;HOME.region": "home_province",
    "ADR;HOME.locality": "home_city",
    "ADR;HOME.street": "home_street",
    "ADR;HOME.postcode": "home_postcode",
    "ADR;OTHER.country": "other_country",
    "ADR;OTHER.region": "other_province",
    "ADR;OTHER.locality": "other_city",
    "ADR;OTHER.street": "other_street",
    "ADR;OTHER.postcode": "other_postcode",
    "BDAY": "birthday",
    "NOTE": "notes",
    "GENDER": "gender",
    "CATEGORIES": "tags",
    "URL": "website",
    "URL;MORE": "note_line",
    "UID": "external_id",
    "MORE": "note_line",
}
# Properties a vCard reader reads but keeps nowhere, by name, with the reason (see
# readers.VCARD_UNREAD_COLUMN); others are "no field for it".
VCARD_NOT_IMPORTED: dict[str, NotImported] = {
    "PHOTO": NO_PHOTO,
    "LOGO": NotImported(_("a company logo; images are not kept")),
    "SOUND": NotImported(_("a recording of the name; sounds are not kept")),
    "KEY": NotImported(_("an encryption key; Rapport does not keep keys")),
    "X-ABUID": NotImported(_("an identifier of Apple Contacts, not data of the contact")),
    "X-IMAGETYPE": NO_PHOTO,
    "X-IMAGEHASH": NO_PHOTO,
    "X-MS-CARDPICTURE": NO_PHOTO,
    "X-SHAREDPHOTODISPLAYPREF": NO_PHOTO,
    "LABEL": NotImported(_("the address written out for a mailing label; the address is read")),
    "SORT-STRING": FROM_NAME,
    "FBURL": FREE_BUSY,
    "CALURI": FREE_BUSY,
    "CALADRURI": FREE_BUSY,
    "X-MS-OL-DEFAULT-POSTAL-ADDRESS": OUTLOOK_SETTING,
}
# Company imports from a contact export take the organisation, not the person.
KNOWN_EXPORT_COMPANY_KEYS = {"company": "name"}
# A person field a lead, interaction or order import does not have → the one it does.
FALLBACK_KEYS = {
    "work_phone": "phone",
    "home_phone": "phone",
    "other_phone": "phone",
    "home_email": "email",
    "other_email": "email",
}


def detect_known_export(columns: list[str]) -> str | None:
    """ "google" (the legacy and the 2024 Google Contacts CSV), "outlook" (Outlook's CSV, also
    what Google writes as "Outlook CSV"), "outlook_zh" (a Chinese Outlook's CSV), "vcard" (a
    vCard file's columns) or None."""
    names = set(columns)
    if {"FN", "N.family", "TEL;CELL", "EMAIL"} <= names:
        return "vcard"
    google_marks = {
        "E-mail 1 - Value",
        "Phone 1 - Value",
        "Organization 1 - Name",
        "Organization Name",
        "Given Name",
        "Group Membership",
        "Labels",
        "Address 1 - Formatted",
        "E-mail 1 - Type",
        "E-mail 1 - Label",
    }
    if len(names & google_marks) >= 2 and ("Name" in names or "First Name" in names):
        return "google"
    outlook_marks = {
        "E-mail Address",
        "Mobile Phone",
        "Business Phone",
        "Business City",
        "Home Phone",
        "Business Street",
        "Job Title",
        "E-mail Display Name",
    }
    if len(names & outlook_marks) >= 2 and "First Name" in names and "Last Name" in names:
        return "outlook"
    english = {outlook_english_header(c) for c in columns if outlook_english_header(c) != c}
    if len(english & outlook_marks) >= 2 and {"First Name", "Last Name"} <= english:
        return "outlook_zh"
    return None


def known_column(kind: str, column: str) -> str | NotImported | None:
    """What a column of a known export is: a field key, NotImported, or None (unknown)."""
    if kind == "google":
        found = GOOGLE_COLUMNS.get(column)
        return found if found is not None else _google_numbered(column)
    if kind in ("outlook", "outlook_zh"):
        return OUTLOOK_COLUMNS.get(outlook_english_header(column))
    if kind == "vcard":
        return VCARD_MAPPING.get(column)
    return None


def _known_mapping(kind: str, columns: list[str], keys: set[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for column in columns:
        key = known_column(kind, column)
        if key is None or isinstance(key, NotImported):
            continue
        if key not in keys:
            key = KNOWN_EXPORT_COMPANY_KEYS.get(key, key)
        if key not in keys:
            key = FALLBACK_KEYS.get(key, key)
        if key in keys:
            mapping[column] = key
    return mapping


def not_imported(columns: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The columns `mapping` leaves out → why: the known export's reason, or that no field was
    chosen for it."""
    kind = detect_known_export(columns)
    reasons: dict[str, str] = {}
    for column in columns:
        if column in mapping:
            continue
        known = known_column(kind, column) if kind else None
        if isinstance(known, NotImported):
            reasons[column] = str(known.reason)
        elif known is None and kind:
            reasons[column] = str(_("no field for it"))
        else:
            reasons[column] = str(_("no field was chosen for it"))
    return reasons


@cache
def _synonym_index(target: str) -> dict[str, str]:
    index: dict[str, str] = {}
    preferred = TARGET_PRIORITY.get(target, ())
    for key in (*preferred, *SYNONYMS):
        for synonym in SYNONYMS.get(key, ()):
            index.setdefault(normalize_header(synonym), key)
    return index


def propose_mapping(columns: list[str], target: str) -> dict[str, str]:
    """Column → field key for the columns recognised; the others are left out.

    A field takes at most one column, the first, unless it is repeatable (phones and e-mails
    of persons). Custom fields match their label or key.
    """
    fields = {f.key: f for f in import_fields(target)}
    keys = set(fields)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    known = detect_known_export(columns)
    if known:
        for column, key in _known_mapping(known, columns, keys).items():
            if key in used and not fields[key].repeatable:
                continue
            mapping[column] = key
            used.add(key)
    index = dict(_synonym_index(target))
    for field in fields.values():
        if field.key.startswith(CUSTOM_PREFIX):
            index[normalize_header(str(field.label))] = field.key
            index[normalize_header(field.key[len(CUSTOM_PREFIX) :])] = field.key
        # A field's own label, in either language, names it too: it is what the mapping form
        # shows and how Rapport's exports head their columns, so an export imports back.
        for language in ("en", "zh-hans"):
            with translation.override(language):
                label = normalize_header(str(field.label))
            if index.get(label) not in keys:
                index[label] = field.key
    for column in columns:
        if column in mapping:
            continue
        if known and isinstance(known_column(known, column), NotImported):
            continue  # listed by `not_imported` with its reason
        normalized = normalize_header(column)
        key = index.get(normalized) or index.get(re.sub(r"\d+$", "", normalized))
        if key is not None and key not in keys:
            key = FALLBACK_KEYS.get(key)
        if key is None or key not in keys:
            continue
        if key in used and not fields[key].repeatable:
            continue
        mapping[column] = key
        used.add(key)
    return mapping
