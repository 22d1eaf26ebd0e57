"""Sales data for the demo set and the benchmark loads: the product catalogue, lost reasons,
scoring rules and the words leads and deals are made of. Names are data, stored as written: the
demo speaks Chinese first with English alongside, like its customers.
"""

from decimal import Decimal

from rapport.customers.models import SourceChannel
from rapport.sales.models import LeadStatus, PaymentMethod

TEA_SETS = "茶具 Tea sets"
TEA = "茶叶 Tea"
OFFICE = "办公设备 Office equipment"
SOFTWARE = "软件许可 Software licences"
SERVICES = "服务 Services"

# (SKU, name, category, list price in CNY)
PRODUCTS = (
    ("TEA-SET-001", "宜兴紫砂茶具套装 Yixing clay tea set", TEA_SETS, "1280.00"),
    ("TEA-SET-002", "景德镇青花瓷茶具 Jingdezhen blue-and-white tea set", TEA_SETS, "2680.00"),
    ("TEA-SET-003", "汝窑开片盖碗 Ru-ware gaiwan", TEA_SETS, "398.00"),
    ("TEA-SET-004", "玻璃公道杯 Glass fairness pitcher", TEA_SETS, "128.00"),
    ("TEA-SET-005", "竹制茶盘 Bamboo tea tray", TEA_SETS, "560.00"),
    ("TEA-SET-006", "商务礼品茶具 Corporate gift tea set", TEA_SETS, "888.00"),
    ("TEA-LJ-250", "西湖龙井 250g West Lake Longjing", TEA, "680.00"),
    ("TEA-PE-357", "云南普洱茶饼 357g Yunnan Pu'er cake", TEA, "420.00"),
    ("TEA-TGY-500", "安溪铁观音 500g Anxi Tieguanyin", TEA, "360.00"),
    ("OFF-PRN-A3", "A3 彩色激光多功能一体机 A3 colour laser MFP", OFFICE, "18800.00"),
    ("OFF-PRN-A4", "A4 黑白激光打印机 A4 mono laser printer", OFFICE, "1699.00"),
    ("OFF-PROJ-4K", "4K 会议投影仪 4K meeting-room projector", OFFICE, "9999.00"),
    ("OFF-CHAIR-ERG", "人体工学办公椅 Ergonomic office chair", OFFICE, "1580.00"),
    ("OFF-DESK-LIFT", "电动升降办公桌 Electric standing desk", OFFICE, "2980.00"),
    ("OFF-SHRED-P4", "P-4 级碎纸机 P-4 paper shredder", OFFICE, "1150.00"),
    ("OFF-CONF-KIT", "视频会议套装 Video-conference kit", OFFICE, "12600.00"),
    (
        "SW-CRM-STD",
        "客户管理系统标准版（每用户每年） CRM Standard, per user-year",
        SOFTWARE,
        "1200.00",
    ),
    (
        "SW-CRM-ENT",
        "客户管理系统企业版（每用户每年） CRM Enterprise, per user-year",
        SOFTWARE,
        "2400.00",
    ),
    ("SW-ERP-BASE", "进销存基础版（每年） Inventory & ERP Basic, per year", SOFTWARE, "9800.00"),
    ("SW-OFFICE", "办公套件（每用户每年） Office suite, per user-year", SOFTWARE, "598.00"),
    ("SW-AV-100", "企业杀毒 100 终端 Endpoint antivirus, 100 seats", SOFTWARE, "15000.00"),
    ("SVC-IMPL-DAY", "实施顾问（人天） Implementation consulting, per day", SERVICES, "2500.00"),
    ("SVC-TRAIN-DAY", "现场培训（天） On-site training, per day", SERVICES, "3800.00"),
    ("SVC-SUPPORT-Y", "年度技术支持 Annual support plan", SERVICES, "6800.00"),
    ("SVC-INSTALL", "设备安装调试 Equipment installation", SERVICES, "800.00"),
    ("SVC-DATA-MIG", "数据迁移服务 Data migration", SERVICES, "12000.00"),
)
# Typical quantities on one line: (for a person, for a company).
QUANTITIES = {
    TEA_SETS: ((1, 3), (10, 60)),
    TEA: ((1, 4), (5, 40)),
    OFFICE: ((1, 2), (1, 12)),
    SOFTWARE: ((1, 3), (5, 80)),
    SERVICES: ((1, 2), (1, 15)),
}
PERSON_CATEGORIES = (TEA_SETS, TEA_SETS, TEA, TEA, OFFICE)
COMPANY_CATEGORIES = (TEA_SETS, OFFICE, OFFICE, SOFTWARE, SOFTWARE, SERVICES)
DISTRIBUTOR_DISCOUNT = Decimal("0.88")

LOST_REASONS = (
    "价格太高 Price too high",
    "选择了竞争对手 Chose a competitor",
    "预算被砍 Budget cut",
    "联系不上 No response",
    "项目暂缓 Project postponed",
)
DISQUALIFY_REASONS = (
    "无购买意向",
    "重复线索",
    "联系方式无效",
    "学生咨询，非目标客户",
    "No budget this year",
)
LEAD_MESSAGES = (
    "想了解企业版的价格，我们大约 50 人使用。",
    "需要给客户定制一批中秋礼品茶具，大约 200 套，请报价。",
    "Looking for a CRM for our Shanghai office, about 20 users.",
    "会议室需要投影和视频会议设备，能否上门看一下？",
    "我们的进销存系统要升级，想约个产品演示。",
    "请问龙井和普洱有没有团购价？",
    "Could you send a quote for 30 standing desks?",
    "",
    "",
)
CAMPAIGNS = ("2026 春季官网推广", "广交会 Canton Fair", "中秋礼品季 Mid-Autumn gifts", "", "")
LEAD_SOURCES = (
    SourceChannel.PHONE_INQUIRY,
    SourceChannel.TRADE_SHOW,
    SourceChannel.REFERRAL,
    SourceChannel.ADS,
    SourceChannel.SOCIAL,
    SourceChannel.EMAIL,
    SourceChannel.PARTNER,
)
# Final status of the demo leads, shuffled: (status, how many).
LEAD_FATES = (
    (LeadStatus.NEW, 20),
    (LeadStatus.CONTACTED, 15),
    (LeadStatus.QUALIFIED, 12),
    (LeadStatus.CONVERTED, 22),
    (LeadStatus.DISQUALIFIED, 11),
)
# Final state of the demo deals: ("open", stage index) / ("won", None) / ("lost", None).
DEAL_FATES = (
    *[("open", 0)] * 16,
    *[("open", 1)] * 14,
    *[("open", 2)] * 13,
    *[("open", 3)] * 12,
    *[("won", None)] * 35,
    *[("lost", None)] * 30,
)
# (reason shown, condition, field, value, points)
SCORING_RULES = (
    ("预算 5 万以上 Budget ≥ 50,000", "budget_at_least", "", "50000", 25),
    ("转介绍 Referral", "source_is", "", SourceChannel.REFERRAL, 20),
    ("留了公司名 Company given", "field_filled", "company_name", "", 10),
    ("留了电话 Phone given", "field_filled", "phone", "", 10),
    ("多次互动 Several touches", "interactions_at_least", "", "2", 15),
    ("本周新线索 New this week", "created_within_days", "", "7", 10),
    ("两周未联系 No contact for 14 days", "no_reply_days", "", "14", -15),
)
# How customers pay: companies by bank transfer, people mostly by phone.
COMPANY_PAYMENT_METHODS = (*[PaymentMethod.BANK_TRANSFER] * 4, PaymentMethod.ALIPAY)
PERSON_PAYMENT_METHODS = (
    PaymentMethod.ALIPAY,
    PaymentMethod.WECHAT_PAY,
    PaymentMethod.WECHAT_PAY,
    PaymentMethod.CARD,
    PaymentMethod.CASH,
)


def short_name(product_name: str) -> str:
    """The Chinese half of a bilingual product name, for deal titles: "A3 彩色激光多功能一体机"
    of "A3 彩色激光多功能一体机 A3 colour laser MFP"."""
    words: list[str] = []
    for word in product_name.split(" "):
        if word.isascii() and any(not w.isascii() for w in words):
            break
        words.append(word)
    return " ".join(words)
