"""Which country a row of an import is in, from what the row itself says.

A phone number written without + is read in the row's country, and an address without a country
gets the row's: its country column, else what the address shows (`address_country`), else the
country of a phone number the row writes with its + prefix, and only when nothing in the row
says otherwise the installation's default (RAPPORT_PHONE_REGION). Before, every such number and
address was taken as Chinese: `(212) 555-0199` became a Shanghai number and Seattle an address
in China.

What an address shows is kept modest, to be right when it says something:

- a US state (name, or its two-letter code before or beside a ZIP code of 5 or 5+4 digits);
- a Canadian province (name, or code beside a postal code like K1A 0B1), or such a postal code;
- an Australian state or territory beside a four-digit postcode;
- a UK postcode (SW1A 1AA);
- a Chinese province, Hong Kong, Macao or Taiwan (in Chinese characters);
- one of a short list of large cities (Seattle, Los Angeles, London, Tokyo, Sydney…);
- the last line or comma-separated part of a whole address in one cell naming a country.
"""

import re
from collections.abc import Callable
from functools import cache

US_STATES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "districtofcolumbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "newhampshire": "NH",
    "newjersey": "NJ",
    "newmexico": "NM",
    "newyork": "NY",
    "northcarolina": "NC",
    "northdakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhodeisland": "RI",
    "southcarolina": "SC",
    "southdakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "westvirginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
}
US_CODES = frozenset(US_STATES.values())
# Names that are also something else (Georgia the country, Washington the city, New York the
# city) still mean the state in a province column; a city column is read by CITIES.
CA_PROVINCES = {
    "alberta": "AB",
    "britishcolumbia": "BC",
    "manitoba": "MB",
    "newbrunswick": "NB",
    "newfoundlandandlabrador": "NL",
    "novascotia": "NS",
    "ontario": "ON",
    "princeedwardisland": "PE",
    "quebec": "QC",
    "québec": "QC",
    "saskatchewan": "SK",
    "northwestterritories": "NT",
    "nunavut": "NU",
    "yukon": "YT",
}
CA_CODES = frozenset(CA_PROVINCES.values())
AU_STATES = {
    "newsouthwales": "NSW",
    "victoria": "VIC",
    "queensland": "QLD",
    "westernaustralia": "WA",
    "southaustralia": "SA",
    "tasmania": "TAS",
    "australiancapitalterritory": "ACT",
    "northernterritory": "NT",
}
AU_CODES = frozenset(AU_STATES.values())
# Province-level divisions written in Chinese; the first characters of a province cell or
# whole address ("广东省", "上海市浦东新区…") say which.
CHINESE_DIVISIONS = {
    "香港": "HK",
    "澳门": "MO",
    "澳門": "MO",
    "台湾": "TW",
    "臺灣": "TW",
    "台灣": "TW",
    **dict.fromkeys(
        (
            "北京",
            "天津",
            "上海",
            "重庆",
            "河北",
            "山西",
            "辽宁",
            "吉林",
            "黑龙江",
            "江苏",
            "浙江",
            "安徽",
            "福建",
            "江西",
            "山东",
            "河南",
            "湖北",
            "湖南",
            "广东",
            "海南",
            "四川",
            "贵州",
            "云南",
            "陕西",
            "甘肃",
            "青海",
            "内蒙古",
            "广西",
            "西藏",
            "宁夏",
            "新疆",
        ),
        "CN",
    ),
}
CITIES = {
    "seattle": "US",
    "losangeles": "US",
    "sanfrancisco": "US",
    "sanjose": "US",
    "sandiego": "US",
    "paloalto": "US",
    "mountainview": "US",
    "newyork": "US",
    "newyorkcity": "US",
    "brooklyn": "US",
    "chicago": "US",
    "boston": "US",
    "houston": "US",
    "dallas": "US",
    "austin": "US",
    "atlanta": "US",
    "miami": "US",
    "denver": "US",
    "phoenix": "US",
    "philadelphia": "US",
    "detroit": "US",
    "portland": "US",
    "lasvegas": "US",
    "toronto": "CA",
    "vancouver": "CA",
    "montreal": "CA",
    "montréal": "CA",
    "london": "GB",
    "manchester": "GB",
    "edinburgh": "GB",
    "dublin": "IE",
    "paris": "FR",
    "berlin": "DE",
    "munich": "DE",
    "münchen": "DE",
    "frankfurt": "DE",
    "hamburg": "DE",
    "amsterdam": "NL",
    "zurich": "CH",
    "zürich": "CH",
    "tokyo": "JP",
    "osaka": "JP",
    "seoul": "KR",
    "singapore": "SG",
    "sydney": "AU",
    "melbourne": "AU",
    "auckland": "NZ",
    "dubai": "AE",
    "mumbai": "IN",
    "bangalore": "IN",
    "hongkong": "HK",
    "taipei": "TW",
    "macau": "MO",
    "kualalumpur": "MY",
    "bangkok": "TH",
}

US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
CA_POSTAL = re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d", re.I)
GB_POSTCODE = re.compile(r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}", re.I)
AU_POSTCODE = re.compile(r"\d{4}")
# "Mountain View, CA 94043", "Austin TX 78701-1234": a state code before a ZIP code.
STATE_ZIP = re.compile(r"\b([A-Z]{2})\.?,?\s+(\d{5}(?:-\d{4})?)\b")
CA_POSTAL_IN_TEXT = re.compile(
    r"\b([A-Z]{2})\.?,?\s+([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d)\b"
)


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-.,'’]+", "", text.casefold())


def _chinese_division(text: str) -> str | None:
    for name, code in CHINESE_DIVISIONS.items():
        if text.startswith(name):
            return code
    return None


def address_country(
    *,
    province: str = "",
    city: str = "",
    postcode: str = "",
    text: str = "",
    country_name: Callable[[str], str | None] | None = None,
) -> str | None:
    """The country an address without one is in, or None when it does not show it. `text` is
    the rest of the address (the street, or the whole address in one cell); `country_name`
    reads a country's name ("USA", "美国") for the last part of `text`."""
    state = _fold(province)
    code = province.strip().upper().rstrip(".")
    postcode = postcode.strip()
    if state:
        if state in US_STATES and (not postcode or US_ZIP.fullmatch(postcode)):
            return "US"
        if code in US_CODES and US_ZIP.fullmatch(postcode):
            return "US"
        if state in CA_PROVINCES and (not postcode or CA_POSTAL.fullmatch(postcode)):
            return "CA"
        if code in CA_CODES and CA_POSTAL.fullmatch(postcode):
            return "CA"
        if (state in AU_STATES or code in AU_CODES) and AU_POSTCODE.fullmatch(postcode):
            return "AU"
        found = _chinese_division(province.strip())
        if found:
            return found
    if postcode:
        if CA_POSTAL.fullmatch(postcode):
            return "CA"
        if GB_POSTCODE.fullmatch(postcode):
            return "GB"
    if city:
        found = CITIES.get(_fold(city)) or _chinese_division(city.strip())
        if found:
            return found
    if text:
        return _country_in_text(text, country_name)
    return None


def _country_in_text(text: str, country_name: Callable[[str], str | None] | None) -> str | None:
    parts = [p.strip() for p in re.split(r"[\n,，]", text) if p.strip()]
    if parts and country_name is not None:
        found = country_name(parts[-1])
        if found:
            return found
    for match in STATE_ZIP.finditer(text):
        if match[1] in US_CODES:
            return "US"
    for match in CA_POSTAL_IN_TEXT.finditer(text):
        if match[1] in CA_CODES:
            return "CA"
    return _chinese_division(text.strip())


@cache
def country_names() -> dict[str, str]:
    """Folded country names in English, Chinese, German, French and Spanish → code, from
    libphonenumber's own table of region names."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    names: dict[str, str] = {}
    for code, by_language in LOCALE_DATA.items():
        for language in ("aa", "zh", "de", "fr", "es"):
            name = by_language.get(language, "")
            for _hop in range(5):  # "*aa": the same as that language's (never a long chain)
                if not name.startswith("*"):
                    break
                name = by_language.get(name[1:], "")
            if name.startswith("*"):
                continue
            if name:
                names.setdefault(_fold(name), code)
    return names


def country_by_name(text: str) -> str | None:
    return country_names().get(_fold(text))
