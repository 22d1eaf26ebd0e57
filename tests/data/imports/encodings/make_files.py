"""Writes the contact files of this folder: one small Outlook-shaped contact list (Outlook's
English column names, every value quoted, CRLF line ends) in each encoding an export comes in.

    .venv/bin/python tests/data/imports/encodings/make_files.py

rapport/dataio/tests/test_import_encodings.py imports each and compares the stored values with
the rows below, so a change here is a change of those tests' expectations.
"""

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Company",
    "Job Title",
    "Business Street",
    "Business City",
    "Business Postal Code",
    "Business Country/Region",
    "E-mail Address",
    "Notes",
]
# Western European contacts: every character is in Latin-1 (and so in Windows-1252).
WESTERN = [
    [
        "Jürgen",
        "",
        "Müller",
        "Müller & Söhne GmbH",
        "Geschäftsführer",
        "Hauptstraße 12",
        "München",
        "80331",
        "Germany",
        "j.mueller@example.de",
        "",
    ],
    [
        "Zoë",
        "",
        "Faßbender",
        "Café Größe AG",
        "Einkäuferin",
        "Königsallee 5",
        "Düsseldorf",
        "40212",
        "Germany",
        "zoe.fassbender@example.de",
        "",
    ],
    [
        "François",
        "Hélène",
        "Lefèvre",
        "Société Générale Côte",
        "Directrice",
        "12 rue de l'Église",
        "Nîmes",
        "30000",
        "France",
        "f.lefevre@example.fr",
        "",
    ],
    [
        "José",
        "María",
        "Peña Núñez",
        "Año Nuevo S.L.",
        "Gerente",
        "Calle Mayor 3",
        "Logroño",
        "26001",
        "Spain",
        "jose.pena@example.es",
        "",
    ],
    [
        "Bjørn",
        "",
        "Ødegård",
        "Nordlys AS",
        "Daglig leder",
        "Storgata 1",
        "Tromsø",
        "9008",
        "Norway",
        "bjorn@example.no",
        "",
    ],
    [
        "John",
        "",
        "Smith",
        "Acme Inc",
        "Buyer",
        "1 Main St",
        "Seattle",
        "98101",
        "United States",
        "john.smith@example.com",
        "",
    ],
]
# Windows-1252 only: characters Latin-1 lacks (bytes 0x80-0x9F).
WINDOWS_1252_ONLY = [
    [
        "Chloé",
        "",
        "Dubois",
        "Dubois – Fils",
        "Gérante",
        "3 place d’Armes",
        "Besançon",
        "25000",
        "France",
        "chloe.dubois@example.fr",
        "Rabatt 5 € „Stammkunde“",
    ],
]
CHINESE = [
    [
        "伟",
        "",
        "张",
        "华为技术有限公司",
        "采购经理",
        "龙岗区坂田街道华为基地",
        "深圳",
        "518129",
        "中国",
        "zhang.wei@example.cn",
        "",
    ],
    [
        "娜",
        "",
        "李",
        "北京字节跳动科技有限公司",
        "市场总监",
        "海淀区中关村大街1号",
        "北京",
        "100080",
        "中国",
        "li.na@example.cn",
        "",
    ],
    # 喆 and 镕 are GBK characters outside GB2312; 䶮 is GB18030 only (four bytes).
    [
        "喆",
        "",
        "王",
        "镕铭贸易有限公司",
        "总经理",
        "天河区䶮路8号",
        "广州",
        "510000",
        "中国",
        "wang.zhe@example.cn",
        "",
    ],
]
# Taiwan and Hong Kong: Traditional characters, written by Excel there in Big5 (Windows' cp950).
TRADITIONAL = [
    [
        "志明",
        "",
        "陳",
        "台灣積體電路製造股份有限公司",
        "業務經理",
        "新竹科學園區力行六路8號",
        "新竹市",
        "300",
        "台灣",
        "chen.zm@example.tw",
        "",
    ],
    [
        "美玲",
        "",
        "林",
        "鴻海精密工業",
        "採購專員",
        "土城區自由街2號",
        "新北市",
        "236",
        "台灣",
        "lin.ml@example.tw",
        "",
    ],
    [
        "家豪",
        "",
        "黃",
        "九龍倉集團",
        "資訊部經理",
        "尖沙咀彌敦道132號",
        "香港",
        "999077",
        "香港",
        "wong.kh@example.hk",
        "",
    ],
]
# Japan: kanji and kana, written by Japanese Windows and Excel in Shift_JIS (cp932).
JAPANESE = [
    [
        "太郎",
        "",
        "山田",
        "株式会社トヨタ",
        "営業部長",
        "千代田区丸の内1-1-1",
        "東京都",
        "100-0005",
        "日本",
        "yamada@example.jp",
        "",
    ],
    [
        "花子",
        "",
        "佐藤",
        "ソニー株式会社",
        "購買担当",
        "北区梅田3-1-3",
        "大阪市",
        "530-0001",
        "日本",
        "sato@example.jp",
        "",
    ],
]
# Russia: Cyrillic, written by Russian Windows and Outlook in Windows-1251.
CYRILLIC = [
    [
        "Иван",
        "Сергеевич",
        "Петров",
        "ООО «Газпром»",
        "Менеджер по закупкам",
        "ул. Тверская, 7",
        "Москва",
        "125009",
        "Россия",
        "petrov@example.ru",
        "",
    ],
    [
        "Ольга",
        "",
        "Смирнова",
        "Сбербанк",
        "Директор",
        "Невский проспект, 28",
        "Санкт-Петербург",
        "191186",
        "Россия",
        "smirnova@example.ru",
        "Скидка 5 % — постоянный клиент",
    ],
]
# Too little to tell: a given name of two rare characters in GBK reads as `ÚS«h` in
# Windows-1252, about as plausible.
AMBIGUOUS = [
    [
        "赟玥",
        "",
        "Zhao",
        "Acme Trading",
        "Buyer",
        "1 Harbour Rd",
        "Hong Kong",
        "999077",
        "China",
        "zhao@example.com",
        "",
    ],
    [
        "Peter",
        "",
        "Brown",
        "Acme Trading",
        "Sales",
        "2 Harbour Rd",
        "Hong Kong",
        "999077",
        "China",
        "peter.brown@example.com",
        "",
    ],
]

FILES = {
    "outlook-utf8.csv": (WESTERN + CHINESE, "utf-8", ","),
    "outlook-utf8-bom.csv": (WESTERN + CHINESE, "utf-8-sig", ","),
    "outlook-windows1252.csv": (WESTERN + WINDOWS_1252_ONLY, "cp1252", ","),
    "outlook-latin1.csv": (WESTERN, "latin-1", ","),
    "outlook-gb18030.csv": (CHINESE, "gb18030", ","),
    # Excel's "Unicode text": UTF-16LE with a byte order mark, tab separated.
    "excel-unicode-text.txt": (WESTERN + CHINESE, "utf-16", "\t"),
    # Excel for Mac's "CSV (Macintosh)": Mac OS Roman, CR line ends.
    "excel-mac.csv": (WESTERN, "mac_roman", ","),
    "outlook-big5.csv": (TRADITIONAL, "cp950", ","),
    "outlook-shiftjis.csv": (JAPANESE, "cp932", ","),
    "outlook-windows1251.csv": (CYRILLIC, "cp1251", ","),
    "outlook-ambiguous.csv": (AMBIGUOUS, "gbk", ","),
}


def main() -> None:
    for name, (rows, encoding, delimiter) in FILES.items():
        buffer = io.StringIO()
        quoting = csv.QUOTE_MINIMAL if delimiter == "\t" else csv.QUOTE_ALL
        line_end = "\r" if encoding == "mac_roman" else "\r\n"
        writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=line_end)
        writer.writerows([HEADER, *rows])
        (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


if __name__ == "__main__":
    main()
