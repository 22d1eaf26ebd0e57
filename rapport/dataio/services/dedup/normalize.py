# ruff: noqa: E501  (tables of CJK characters, which count double)
"""Turning names, phones, e-mails and addresses into comparable keys.

Chinese names are compared in Simplified characters and in pinyin (pypinyin reads Traditional
characters too), so 張偉, 张伟, "Zhang Wei" and "Wei Zhang" share one key. English given names
are reduced to a canonical form through a nickname table (Bob → Robert). Everything here is pure
Python over strings, cached per distinct value, because a scan normalises a million records.
"""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Traditional → Simplified for the characters common in Chinese names (surnames and given
# names). OpenCC would cover all of Chinese; names use a small alphabet and this keeps the
# dependency list short. Characters missing here still match through their pinyin.
_TRADITIONAL = (
    "張张 陳陈 劉刘 楊杨 黃黄 趙赵 吳吴 周周 徐徐 孫孙 馬马 朱朱 胡胡 郭郭 何何 林林 羅罗 鄭郑 梁梁"
    " 謝谢 宋宋 唐唐 許许 韓韩 馮冯 鄧邓 曹曹 彭彭 曾曾 蕭萧 肖肖 田田 董董 袁袁 潘潘 於于 蔣蒋 蔡蔡"
    " 餘余 杜杜 葉叶 程程 蘇苏 魏魏 呂吕 丁丁 任任 沈沈 姚姚 盧卢 姜姜 崔崔 鍾钟 譚谭 陸陆 汪汪 範范"
    " 金金 石石 廖廖 賈贾 夏夏 韋韦 傅傅 方方 白白 鄒邹 孟孟 熊熊 秦秦 邱邱 江江 尹尹 薛薛 閻阎 段段"
    " 雷雷 侯侯 龍龙 史史 陶陶 黎黎 賀贺 顧顾 毛毛 郝郝 龔龚 邵邵 萬万 錢钱 嚴严 覃覃 武武 戴戴 莫莫"
    " 孔孔 向向 湯汤 歐欧 陽阳 司司 諸诸 葛葛 東东 門门 偉伟 華华 國国 軍军 紅红 傑杰 濤涛 鵬鹏 輝辉"
    " 麗丽 靜静 強强 敏敏 艷艳 豔艳 娟娟 霞霞 剛刚 紅红 蘭兰 鳳凤 龍龙 慧慧 穎颖 瑩莹 嬌娇 燕燕 鳴鸣"
    " 飛飞 義义 禮礼 雲云 澤泽 興兴 榮荣 貴贵 壽寿 寶宝 順顺 發发 廣广 慶庆 龍龙 聰聪 穩稳 書书 賢贤"
    " 曉晓 夢梦 婷婷 瑤瑶 萍萍 琳琳 潔洁 潤润 韻韵 詩诗 語语 銘铭 鋒锋 鑫鑫 銀银 鐵铁 錦锦 鏡镜 長长"
    " 東东 亞亚 寧宁 嶺岭 嵐岚 島岛 峯峰 鴻鸿 鵬鹏 鶴鹤 鷹鹰 龜龟 鳳凤 麟麟 軒轩 輝辉 達达 進进 運运"
    " 遠远 過过 鄉乡 陳陈 陰阴 隊队 際际 險险 隨随 雙双 雞鸡 離离 難难 雜杂 靈灵 韓韩 頂顶 項项 順顺"
    " 頌颂 領领 頤颐 頻频 題题 顏颜 願愿 類类 顯显 風风 飄飘 馨馨 駿骏 騰腾 驍骁 體体 髮发 鬆松 魯鲁"
    " 鮑鲍 鱗鳞 鳥鸟 鶯莺 鸞鸾 麥麦 黨党 齊齐 龐庞 勝胜 勞劳 勛勋 務务 動动 勵励 勸劝 學学 孫孙 實实"
    " 寬宽 對对 專专 將将 尋寻 導导 屬属 歲岁 歷历 歸归 殺杀 毆殴 氣气 漢汉 濱滨 灣湾 無无 熱热 燈灯"
    " 爾尔 爺爷 獅狮 環环 瑋玮 瓊琼 產产 畢毕 異异 當当 發发 皚皑 盡尽 監监 盤盘 碩硕 確确 禎祯 福福"
    " 秀秀 稱称 穎颖 競竞 筆笔 範范 築筑 簡简 紀纪 紅红 約约 純纯 紗纱 紹绍 經经 維维 綠绿 綺绮 緒绪"
    " 緣缘 縣县 繼继 續续 罷罢 義义 習习 聖圣 聯联 聲声 肅肃 與与 興兴 舉举 藝艺 莊庄 萊莱 葦苇 蓮莲"
    " 蘊蕴 蘋苹 虛虚 號号 蟲虫 補补 裝装 見见 規规 視视 親亲 覺觉 觀观 訓训 記记 詠咏 誠诚 誼谊 謙谦"
    " 豐丰 貞贞 賓宾 賞赏 贊赞 趙赵 躍跃 輕轻 辦办 農农 連连 邁迈 還还 鄰邻 醫医 釗钊 鈞钧 鈺钰 銳锐"
    " 錫锡 鍵键 鎮镇 鎧铠 閃闪 開开 閔闵 閣阁 闊阔 陽阳 隆隆 雄雄 雅雅 霖霖 靖靖 韜韬 頓顿 颯飒 馳驰"
    " 驊骅 驥骥 鬱郁 麒麒 齡龄 瑪玛 莉莉 倫伦 傳传 僑侨 億亿 優优 兒儿 凱凯 劍剑 嘉嘉 團团 圓圆 堅坚"
    " 塵尘 壯壮 夾夹 奮奋 婦妇 媽妈 嫻娴 嬋婵 嬡嫒 宮宫 寧宁 岡冈 崗岗 嶽岳 帥帅 師师 帳帐 幣币 幫帮"
    " 庫库 廳厅 彥彦 徑径 從从 復复 徵征 憐怜 戀恋 戰战 擁拥 擇择 敘叙 斕斓 時时 晉晋 曄晔 暉晖 暢畅"
    " 會会 楓枫 樂乐 樹树 橋桥 檢检 權权 歡欢 滬沪 漁渔 潔洁 澄澄 濟济 瀚瀚 煥焕 燦灿 燁烨 爐炉 瑞瑞"
    " 瑜瑜 璽玺 瓏珑 甦苏 疇畴 瑩莹 盧卢 矯矫 碼码 祿禄 禪禅 稅税 穌稣 窩窝 競竞 紋纹 納纳 紘纮 絲丝"
)
TRADITIONAL_TO_SIMPLIFIED = str.maketrans(
    {pair[0]: pair[1] for pair in _TRADITIONAL.split() if len(pair) == 2}
)

# English nicknames and spelling variants → one canonical given name.
_NICKNAMES = {
    "robert": "bob bobby rob robbie bert",
    "william": "bill billy will willy liam",
    "richard": "dick rick ricky rich richie",
    "james": "jim jimmy jamie",
    "john": "jack johnny jon",
    "joseph": "joe joey",
    "michael": "mike mikey mick",
    "thomas": "tom tommy",
    "christopher": "chris kit",
    "daniel": "dan danny",
    "matthew": "matt",
    "anthony": "tony",
    "andrew": "andy drew",
    "edward": "ed eddie ted teddy ned",
    "benjamin": "ben benny",
    "samuel": "sam sammy",
    "alexander": "alex al sandy",
    "nicholas": "nick nicky",
    "jonathan": "jon jonny",
    "stephen": "steve steven stevie",
    "charles": "charlie chuck chas",
    "david": "dave davy",
    "peter": "pete",
    "patrick": "pat paddy",
    "timothy": "tim timmy",
    "gregory": "greg",
    "kenneth": "ken kenny",
    "ronald": "ron ronnie",
    "donald": "don donny",
    "lawrence": "larry",
    "henry": "hank harry",
    "frederick": "fred freddy",
    "elizabeth": "liz lizzy beth betty betsy eliza libby",
    "margaret": "maggie meg peggy marge",
    "katherine": "kate katie kathy kat catherine kathryn cathy",
    "jennifer": "jen jenny",
    "jessica": "jess jessie",
    "rebecca": "becky becca",
    "susan": "sue susie suzy",
    "patricia": "pat patty trish tricia",
    "deborah": "deb debbie",
    "victoria": "vicky tori",
    "christine": "chris chrissy tina",
    "samantha": "sam sammy",
    "alexandra": "alex sandra lexi",
    "abigail": "abby",
    "emily": "emmy",
    "olivia": "liv livvy",
    "barbara": "barb babs",
    "dorothy": "dot dottie",
    "jacqueline": "jackie",
    "kimberly": "kim",
    "nancy": "nan",
    "amanda": "mandy",
    "melissa": "mel missy",
    "stephanie": "steph",
    "cynthia": "cindy",
}
NICKNAMES: dict[str, str] = {}
for _canonical, _variants in _NICKNAMES.items():
    for _variant in _variants.split():
        NICKNAMES.setdefault(_variant, _canonical)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z]+")
_EMAIL_TRIM = re.compile(r"\s+")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def to_simplified(text: str) -> str:
    return text.translate(TRADITIONAL_TO_SIMPLIFIED)


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@lru_cache(maxsize=200_000)
def name_tokens(full_name: str) -> tuple[str, tuple[str, ...], bool]:
    """(simplified Chinese name or "", name tokens, is Chinese) for one written name.

    A Chinese name's tokens are its pinyin syllables, family name first; a Latin-script name's
    are its lower-cased words with nicknames made canonical, in the order written (pinyin
    written in Latin letters is such a name too; the scorer tries both orders).
    """
    text = unicodedata.normalize("NFKC", full_name or "").strip()
    if has_cjk(text):
        simplified = "".join(ch for ch in to_simplified(text) if _CJK.match(ch))
        syllables = tuple(s for s in lazy_pinyin(simplified, style=Style.NORMAL) if s.isalpha())
        return simplified, syllables, True
    words = _WORD.findall(_ascii_fold(text).replace("ü", "v"))
    return "", tuple(NICKNAMES.get(w, w) for w in words), False


def name_key(tokens: tuple[str, ...]) -> str:
    """An order-free key: "zhang wei", "Wei Zhang" and 张伟 all give "weizhang"."""
    return "".join(sorted(tokens))


def phone_key(raw: str) -> str:
    """A comparable phone: E.164 as stored stays as it is; typed formats of Chinese numbers
    ("138-0013-8000", "+86 138 0013 8000", "0086 13800138000") become "+8613800138000".

    The services store E.164 already; this exists for input that did not pass through them
    (the labelled test data, imports) and is far cheaper than phonenumbers for a million rows.
    """
    raw = (raw or "").strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not digits:
        return ""
    if raw.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return "+86" + digits
    if len(digits) == 13 and digits.startswith("86"):
        return "+" + digits
    if digits.startswith("0"):  # national trunk prefix of a Chinese landline
        return "+86" + digits[1:]
    return "+" + digits


def email_key(raw: str) -> str:
    return _EMAIL_TRIM.sub("", raw or "").lower()


def company_key(name: str) -> str:
    """A company name without case, spaces, punctuation or the usual legal suffixes."""
    text = to_simplified(unicodedata.normalize("NFKC", name or "")).lower()
    for suffix in (
        "有限责任公司",
        "股份有限公司",
        "有限公司",
        "集团",
        "公司",
        " co., ltd.",
        " co. ltd",
        " ltd.",
        " ltd",
        " inc.",
        " inc",
        " llc",
        " gmbh",
    ):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return "".join(ch for ch in text if ch.isalnum())


def place_key(text: str) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", text or "")).lower()
    for suffix in ("市", "省", "区", "县", " city"):
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
    return "".join(ch for ch in text if ch.isalnum())


# Soundex codes of consonants; vowels, h, w and y have none.
_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


@lru_cache(maxsize=200_000)
def sound_key(word: str) -> str:
    """American Soundex of a lower-case Latin word (pinyin too): "smith", "smyth" and "smithe"
    all give "s530". A duplicate's misspelt name often keeps its sound, so the key is a
    blocking key that survives the typo; the first letter is kept as written."""
    if not word or not word[0].isalpha():
        return ""
    codes = word.translate(_SOUNDEX)
    kept = []
    last = codes[0] if codes[0].isdigit() else ""
    for code, letter in zip(codes[1:], word[1:], strict=True):
        if code.isdigit():
            if code != last:
                kept.append(code)
            last = code
        elif letter not in "hw":  # h and w do not part two equal codes; vowels do
            last = ""
    return (word[0] + "".join(kept) + "000")[:4]


# Street words as people abbreviate them, written out so that "12 Stanley St" is "12 stanley
# street"; unit and floor words carry no information of their own.
_STREET_WORDS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "dr": "drive",
    "cres": "crescent",
    "cr": "crescent",
    "pl": "place",
    "ct": "court",
    "crt": "court",
    "cct": "circuit",
    "cir": "circuit",
    "hwy": "highway",
    "ln": "lane",
    "tce": "terrace",
    "pde": "parade",
    "blvd": "boulevard",
    "sq": "square",
    "cl": "close",
    "gr": "grove",
    "pkwy": "parkway",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "mt": "mount",
    "unit": "",
    "apt": "",
    "flat": "",
    "no": "",
    "number": "",
    "level": "",
    "floor": "",
    "suite": "",
}
_DIGITS = re.compile(r"\d+")
# Province, city and district names written before a Chinese street ("北京市朝阳区人民路12号"):
# the profile holds the city on its own, so the street is compared without them.
_CHINESE_AREA_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{1,7}?[省市区县])+(?=[\u4e00-\u9fff])")
_STREET_MARKS = str.maketrans("", "", "号號弄室栋幢单元楼层")


@lru_cache(maxsize=200_000)
def street_key(text: str) -> tuple[str, str]:
    """(house number, street words) of a street line, abbreviations written out, case, spaces
    and punctuation dropped: "12 Stanley St." and "12, stanley street" give
    ("12", "stanleystreet"); "北京市朝阳区人民路12號" gives ("12", "人民路")."""
    text = to_simplified(unicodedata.normalize("NFKC", text or "")).strip()
    if has_cjk(text):
        text = _CHINESE_AREA_PREFIX.sub("", text.replace(" ", ""))
        numbers = _DIGITS.findall(text)
        words = _DIGITS.sub("", text).translate(_STREET_MARKS)
        return (numbers[0] if numbers else ""), "".join(ch for ch in words if ch.isalnum())
    text = _ascii_fold(text)
    numbers = _DIGITS.findall(text)
    words = [_STREET_WORDS.get(w, w) for w in _WORD.findall(_DIGITS.sub(" ", text))]
    # "12a" and "unit 3, 12 ..." keep the last number: the house rather than the flat.
    return (numbers[-1] if numbers else ""), "".join(words)


def postcode_key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isalnum()).upper()
