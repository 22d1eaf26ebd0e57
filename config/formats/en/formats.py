"""English formats for Rapport, over Django's own (used for anything not set here).

One date and one date-time format everywhere, with a 24-hour clock as in the Chinese UI
("Dec 6, 2026", "Dec 6, 2026, 17:54") instead of Django's mix of "Dec. 6, 2026, 5:54 p.m."
and "12/06/2026 5:54 p.m.". Input formats put ISO first so that <input type="date"> and
type="datetime-local" receive a value they accept.
"""

DATE_FORMAT = "M j, Y"  # Dec 6, 2026
TIME_FORMAT = "H:i"  # 17:54
DATETIME_FORMAT = "M j, Y, H:i"  # Dec 6, 2026, 17:54
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "M j"  # Dec 6

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-06'
    "%m/%d/%Y",  # '12/06/2026'
    "%b %d %Y",  # 'Dec 06 2026'
    "%b %d, %Y",  # 'Dec 06, 2026'
    "%d %b %Y",  # '06 Dec 2026'
    "%B %d, %Y",  # 'December 06, 2026'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # '2026-12-06T17:54' (datetime-local)
    "%Y-%m-%d %H:%M",  # '2026-12-06 17:54'
    "%Y-%m-%d %H:%M:%S",  # '2026-12-06 17:54:29'
    "%Y-%m-%d %H:%M:%S.%f",  # '2026-12-06 17:54:29.000200'
    "%Y-%m-%dT%H:%M:%S",  # '2026-12-06T17:54:29'
    "%m/%d/%Y %H:%M",  # '12/06/2026 17:54'
    "%m/%d/%Y %H:%M:%S",  # '12/06/2026 17:54:29'
]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
