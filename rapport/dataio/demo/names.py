"""Word lists for the demo data: names, places, companies and what sales people write.

Realistic rather than random: the most common Chinese surnames with their weights, given names
that actually occur (so 张伟 and 王芳 appear several times as different people), provinces with
their real cities and districts, and interaction subjects a sales team would log.
"""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The most common surnames, most frequent first; the weights roughly follow their shares.
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易"
    "常武乔贺赖龚文"
)
SURNAME_WEIGHTS = tuple(max(1, 60 - i) for i in range(len(SURNAMES)))

# Given names, one and two characters, the common ones first.
GIVEN_NAMES = _words(
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 "
    "秀兰 霞 平 刚 桂英 婷 浩 宇 欣 鹏 辉 华 建华 建国 建军 志强 志明 晓明 "
    "晓燕 海燕 海涛 丽娟 丽华 玉兰 玉梅 红梅 春梅 文杰 文静 俊杰 子涵 梓涵 一诺 欣怡 思远 浩然 "
    "宇轩 雨桐 诗涵 嘉怡 佳琪 天佑 振宇 晨曦 若曦 博文 家豪 国强 国庆 德华 永刚 小红 小燕 小龙 "
    "亮 斌 波 鑫 琳 莉 倩 颖 慧 敏杰 雪 婷婷 丹 萍 飞 凯 帅 旭 "
    "晶 瑶 璐 楠 梦琪 雅琴 淑华 淑珍 秀珍 凤英 金凤 立新 卫东 红军 光明 学军 少华 健 "
    "毅 峰 宁 昊 哲 睿 子轩 一鸣 思琪 欣然 紫涵 明轩 晓东 海波 志刚 春华 "
)
GIVEN_NAME_WEIGHTS = tuple(max(1, 40 - i // 3) for i in range(len(GIVEN_NAMES)))

ENGLISH_GIVEN_NAMES = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Daniel Karen Matthew Emily Anthony Olivia "
    "Mark Emma Steven Sophie Andrew Grace Paul Hannah Kevin Chloe Brian Laura "
    "Peter Anna Lucas Julia Oliver Claire Henry Alice Jack Lily Ethan Zoe "
    "Noah Mia "
)
ENGLISH_FAMILY_NAMES = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
    "Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Green "
    "Baker Adams Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards "
    "Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey"
)

# E-mail domains people in China and abroad use.
EMAIL_DOMAINS_CN = ("163.com", "qq.com", "126.com", "sina.com", "foxmail.com", "139.com")
EMAIL_DOMAINS_EN = ("gmail.com", "outlook.com", "example.com", "yahoo.com", "icloud.com")

# Mobile prefixes libphonenumber accepts as Chinese mobile numbers.
CN_MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 198 199"
)
# (country code, national prefix, digits that follow): valid mobile ranges abroad.
FOREIGN_MOBILES = (
    ("+1", "415555", 4),
    ("+1", "212555", 4),
    ("+65", "81", 6),
    ("+65", "91", 6),
    ("+81", "901", 7),
    ("+49", "151", 8),
    ("+61", "41", 7),
    ("+39", "347", 7),
)

# Province → {city: districts}. Municipalities are their own city.
PLACES = {
    "北京": {"北京": ["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区"]},
    "上海": {"上海": ["浦东新区", "徐汇区", "静安区", "黄浦区", "闵行区", "长宁区"]},
    "天津": {"天津": ["和平区", "河西区", "南开区", "滨海新区"]},
    "重庆": {"重庆": ["渝中区", "江北区", "南岸区", "九龙坡区"]},
    "广东": {
        "广州": ["天河区", "越秀区", "海珠区", "番禺区", "白云区"],
        "深圳": ["南山区", "福田区", "罗湖区", "宝安区", "龙岗区"],
        "东莞": ["南城街道", "东城街道", "松山湖"],
        "佛山": ["禅城区", "南海区", "顺德区"],
    },
    "浙江": {
        "杭州": ["西湖区", "上城区", "拱墅区", "滨江区", "余杭区"],
        "宁波": ["海曙区", "鄞州区", "江北区"],
        "温州": ["鹿城区", "瓯海区"],
    },
    "江苏": {
        "南京": ["玄武区", "秦淮区", "建邺区", "鼓楼区"],
        "苏州": ["姑苏区", "工业园区", "吴中区", "昆山市"],
        "无锡": ["梁溪区", "滨湖区"],
    },
    "四川": {"成都": ["锦江区", "青羊区", "武侯区", "高新区", "成华区"]},
    "湖北": {"武汉": ["江汉区", "武昌区", "洪山区", "汉阳区"]},
    "湖南": {"长沙": ["岳麓区", "芙蓉区", "天心区"]},
    "山东": {"济南": ["历下区", "市中区"], "青岛": ["市南区", "崂山区", "黄岛区"]},
    "福建": {"福州": ["鼓楼区", "台江区"], "厦门": ["思明区", "湖里区"]},
    "陕西": {"西安": ["雁塔区", "碑林区", "未央区"]},
    "河南": {"郑州": ["金水区", "二七区", "郑东新区"]},
}
STREETS = (
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "和平路",
    "长江路",
    "科技园路",
    "文化路",
    "新华路",
    "滨江大道",
    "世纪大道",
    "学院路",
)
POSTCODES = {
    "北京": "100020",
    "上海": "200120",
    "天津": "300000",
    "重庆": "400010",
    "广州": "510620",
    "深圳": "518057",
    "东莞": "523000",
    "佛山": "528000",
    "杭州": "310012",
    "宁波": "315000",
    "温州": "325000",
    "南京": "210008",
    "苏州": "215000",
    "无锡": "214000",
    "成都": "610041",
    "武汉": "430000",
    "长沙": "410000",
    "济南": "250000",
    "青岛": "266000",
    "福州": "350000",
    "厦门": "361000",
    "西安": "710061",
    "郑州": "450000",
}

INDUSTRIES = (
    "制造业",
    "软件和信息技术",
    "批发零售",
    "医疗健康",
    "教育培训",
    "金融服务",
    "物流运输",
    "餐饮酒店",
    "建筑工程",
    "新能源",
    "汽车配件",
    "食品饮料",
)
# Trade names and the industry word that goes in a company's registered name.
COMPANY_TRADE_NAMES = _words(
    "华信 天成 鼎盛 恒通 瑞丰 金石 博远 宏达 永兴 新元 汇智 中科 嘉禾 同创 安泰 海纳 卓越 联合 "
    "东方 长城 银河 星辰 远航 蓝海 启明 万象 鸿运 盛世 明德 光华 正泰 德信 和美 优品 众合 巨能"
)
COMPANY_KINDS = (
    ("科技", "Technology"),
    ("贸易", "Trading"),
    ("电子", "Electronics"),
    ("医疗器械", "Medical Devices"),
    ("物流", "Logistics"),
    ("食品", "Foods"),
    ("建材", "Building Materials"),
    ("汽车零部件", "Auto Parts"),
    ("教育咨询", "Education Consulting"),
    ("新能源", "New Energy"),
    ("软件", "Software"),
    ("餐饮管理", "Catering Management"),
)
COMPANY_SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司")
ENGLISH_COMPANY_NAMES = (
    "Northwind Traders",
    "Contoso Ltd",
    "Fabrikam Inc",
    "Globex Corporation",
    "Initech Asia",
    "Umbrella Pacific",
    "Blue Harbor Foods",
    "Pacific Rim Logistics",
    "Summit Medical",
    "Evergreen Education",
)

JOB_TITLES = (
    "总经理",
    "副总经理",
    "采购经理",
    "采购专员",
    "财务总监",
    "技术总监",
    "市场经理",
    "销售总监",
    "行政主管",
    "项目经理",
    "CEO",
    "Purchasing Manager",
    "Operations Director",
    "IT Manager",
)

# (name, colour)
TAGS = (
    ("VIP", "#dc2626"),
    ("重点客户", "#ea580c"),
    ("待跟进", "#ca8a04"),
    ("经销商", "#16a34a"),
    ("老客户", "#0891b2"),
    ("潜在大客户", "#7c3aed"),
    ("展会获客", "#db2777"),
    ("Partner", "#2563eb"),
)

CUSTOMER_LEVELS = ("A", "B", "C", "D")

# (subject, content) per channel, in Chinese and in English.
SUBJECTS_CN = {
    "call": [
        ("电话沟通报价事宜", "客户对报价基本认可，希望再优惠 5%。"),
        ("回访产品使用情况", "客户反馈使用顺畅，提出两个小改进建议。"),
        ("确认下周拜访时间", "约定周三下午到公司面谈。"),
        ("催收尾款", "财务说本月底前安排付款。"),
    ],
    "email": [
        ("发送产品资料和报价单", "已发送最新版产品手册和报价单。"),
        ("合同条款修改意见", "客户法务对付款条款提出修改意见。"),
        ("年度合作方案", "整理了明年的合作方案，等待客户反馈。"),
    ],
    "meeting": [
        ("季度业务回顾会议", "回顾上季度订单情况，讨论下季度目标。"),
        ("新品演示", "演示新品功能，客户技术团队参加。"),
        ("商务谈判", "就价格和交付周期达成初步一致。"),
    ],
    "visit": [
        ("上门拜访", "参观了客户工厂，了解产线需求。"),
        ("节日拜访送礼", "中秋节前拜访，送去月饼礼盒。"),
    ],
    "chat": [
        ("微信沟通发货进度", "客户询问发货时间，已告知物流单号。"),
        ("微信确认订单数量", "客户确认追加 200 件。"),
    ],
    "social": [("朋友圈互动", "客户点赞并咨询了新品。")],
    "note": [
        ("客户偏好备注", "客户喜欢下午联系，不喜欢周一开会。"),
        ("内部备注：决策链", "采购经理推荐，最终由总经理拍板。"),
    ],
}
SUBJECTS_EN = {
    "call": [
        ("Call about the quotation", "They accept the price in principle and ask for 5% off."),
        ("Follow-up call after delivery", "Everything arrived; two small issues to fix."),
    ],
    "email": [
        ("Sent brochure and price list", "Sent the latest catalogue and price list."),
        ("Contract redlines", "Their lawyer wants to change the payment terms."),
    ],
    "meeting": [
        ("Quarterly business review", "Reviewed last quarter's orders and next targets."),
        ("Product demo", "Demoed the new release to their IT team."),
    ],
    "visit": [("Site visit", "Toured their warehouse and met the operations team.")],
    "chat": [("WhatsApp: delivery status", "Shared the tracking number.")],
    "social": [("LinkedIn message", "Congratulated them on the new office.")],
    "note": [("Note: decision makers", "The CFO signs off on anything above 100k.")],
}
OUTCOMES_CN = ("", "", "待报价", "已下单", "需再跟进", "已解决")
OUTCOMES_EN = ("", "", "Quote pending", "Ordered", "Follow up", "Resolved")
