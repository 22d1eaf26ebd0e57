"""zh-Hans formats for Rapport, over Django's own (which are used for anything not set here).

Django groups Chinese numbers by four digits with no separator ("1207014.00"); business
software in China prints amounts grouped by three with commas ("1,207,014.00"), as banks and
invoices do. Dates are ISO, times 24-hour. Input formats put ISO first so that <input
type="date"> and type="datetime-local" receive a value they accept.
"""

DATE_FORMAT = "Y-m-d"  # 2026-12-06
TIME_FORMAT = "H:i"  # 17:54
DATETIME_FORMAT = "Y-m-d H:i"  # 2026-12-06 17:54
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年12月
MONTH_DAY_FORMAT = "n月j日"  # 12月6日

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-06'
    "%Y/%m/%d",  # '2026/12/06'
    "%Y年%m月%d日",  # '2026年12月06日'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # '2026-12-06T17:54' (datetime-local)
    "%Y-%m-%d %H:%M",  # '2026-12-06 17:54'
    "%Y-%m-%d %H:%M:%S",  # '2026-12-06 17:54:29'
    "%Y-%m-%d %H:%M:%S.%f",  # '2026-12-06 17:54:29.000200'
    "%Y-%m-%dT%H:%M:%S",  # '2026-12-06T17:54:29'
    "%Y/%m/%d %H:%M",  # '2026/12/06 17:54'
    "%Y/%m/%d %H:%M:%S",  # '2026/12/06 17:54:29'
]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
