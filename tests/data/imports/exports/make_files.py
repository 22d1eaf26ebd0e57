"""Writes the contact exports of this folder, in the shapes the programs write them:

- google_contacts.csv: Google Contacts' "Google CSV" (2024 header), UTF-8, LF line ends, values
  quoted only when needed, " ::: " between several values of one cell, "* " before the primary
  label;
- outlook_en.csv: English Outlook's CSV export, every one of its 92 columns, every value
  quoted, CRLF line ends, 0/0/00 for a date it does not know, US dates (month first);
- outlook_zh.csv: a Chinese Outlook's CSV export, the same columns under their Chinese names,
  in the ANSI code page of Chinese Windows (GBK; written as GB18030, its superset);
- apple.vcf and android.vcf are written by hand (see those files): vCard 3.0 as macOS Contacts
  writes it, vCard 2.1 with quoted-printable UTF-8 as Android writes it.

    .venv/bin/python tests/data/imports/exports/make_files.py

rapport/dataio/tests/test_import_foreign_exports.py imports each file and asserts every stored
value, so a change here is a change of those tests' expectations.
"""

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Google's header line as it writes it, split at its commas.
GOOGLE_HEADER = (  # noqa: SIM905
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,"
    "E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,"
    "Phone 2 - Label,Phone 2 - Value,Phone 3 - Label,Phone 3 - Value,Address 1 - Label,"
    "Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Address 2 - Label,Address 2 - Formatted,Address 2 - Street,"
    "Address 2 - City,Address 2 - PO Box,Address 2 - Region,Address 2 - Postal Code,"
    "Address 2 - Country,Address 2 - Extended Address,Website 1 - Label,Website 1 - Value,"
    "Relation 1 - Label,Relation 1 - Value,Event 1 - Label,Event 1 - Value,"
    "Custom Field 1 - Label,Custom Field 1 - Value"
).split(",")

GOOGLE_ROWS = [
    {
        "First Name": "Emily",
        "Middle Name": "Jane",
        "Last Name": "Carter",
        "Name Prefix": "Dr.",
        "Nickname": "Em",
        "File As": "Carter, Emily",
        "Organization Name": "Northwind Traders",
        "Organization Title": "Purchasing Manager",
        "Organization Department": "Procurement",
        "Birthday": "1985-04-12",
        "Notes": "Met at the Hannover fair.",
        "Photo": "https://lh3.googleusercontent.com/contacts/AKk2wq3x",
        "Labels": "Suppliers ::: * myContacts",
        "E-mail 1 - Label": "* Work",
        "E-mail 1 - Value": "emily.carter@northwind.example",
        "E-mail 2 - Label": "Home",
        "E-mail 2 - Value": "emily.j.carter@mail.example",
        "Phone 1 - Label": "Mobile",
        "Phone 1 - Value": "+1 206-555-0134",
        "Phone 2 - Label": "Work",
        "Phone 2 - Value": "+1 206-555-0100",
        "Phone 3 - Label": "Work Fax",
        "Phone 3 - Value": "+1 206-555-0199",
        "Address 1 - Label": "Work",
        "Address 1 - Formatted": "1200 Fifth Avenue\nSuite 400\nSeattle, WA 98101\nUS",
        "Address 1 - Street": "1200 Fifth Avenue",
        "Address 1 - City": "Seattle",
        "Address 1 - Region": "WA",
        "Address 1 - Postal Code": "98101",
        "Address 1 - Country": "US",
        "Address 1 - Extended Address": "Suite 400",
        "Address 2 - Label": "Home",
        "Address 2 - Formatted": "742 Evergreen Terrace\nBellevue, WA 98004\nUS",
        "Address 2 - Street": "742 Evergreen Terrace",
        "Address 2 - City": "Bellevue",
        "Address 2 - Region": "WA",
        "Address 2 - Postal Code": "98004",
        "Address 2 - Country": "US",
        "Website 1 - Label": "Profile",
        "Website 1 - Value": "https://www.northwind.example/emily",
        "Relation 1 - Label": "Spouse",
        "Relation 1 - Value": "Daniel Carter",
        "Event 1 - Label": "Anniversary",
        "Event 1 - Value": "2012-06-16",
        "Custom Field 1 - Label": "Customer no.",
        "Custom Field 1 - Value": "NW-1042",
    },
    {
        # A Chinese contact whose only address is her home (the first address, labelled Home).
        "First Name": "娜",
        "Last Name": "李",
        "Organization Name": "上海远景贸易有限公司",
        "Organization Title": "销售总监",
        # Google writes a birthday without a year as --MM-DD.
        "Birthday": "--11-02",
        "Labels": "* myContacts",
        "E-mail 1 - Label": "* Work",
        "E-mail 1 - Value": "li.na@yuanjing.example.cn",
        "Phone 1 - Label": "Mobile",
        "Phone 1 - Value": "+86 138 0013 8000",
        "Phone 2 - Label": "Home",
        "Phone 2 - Value": "+86 21 5888 1234",
        "Address 1 - Label": "Home",
        "Address 1 - Formatted": "浦东新区世纪大道100号\n上海 200120\n中国",
        "Address 1 - Street": "浦东新区世纪大道100号",
        "Address 1 - City": "上海",
        "Address 1 - Region": "上海",
        "Address 1 - Postal Code": "200120",
        "Address 1 - Country": "CN",
    },
    {
        # A company saved as a contact: no person's name.
        "Organization Name": "Contoso Ltd",
        "Labels": "* myContacts",
        "E-mail 1 - Label": "* Work",
        "E-mail 1 - Value": "info@contoso.example",
        "Phone 1 - Label": "Work",
        "Phone 1 - Value": "+1 425-555-0100",
        "Address 1 - Label": "Work",
        "Address 1 - Formatted": "1 Microsoft Way\nRedmond, WA 98052\nUS",
        "Address 1 - Street": "1 Microsoft Way",
        "Address 1 - City": "Redmond",
        "Address 1 - Region": "WA",
        "Address 1 - Postal Code": "98052",
        "Address 1 - Country": "US",
        "Website 1 - Label": "Work",
        "Website 1 - Value": "https://contoso.example",
    },
]

OUTLOOK_HEADER = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business Street 3", "Business City",
    "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
    "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code",
    "Home Country/Region", "Other Street", "Other Street 2", "Other Street 3", "Other City",
    "Other State", "Other Postal Code", "Other Country/Region", "Assistant's Phone",
    "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone",
    "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone",
    "Telex", "Account", "Anniversary", "Assistant's Name", "Billing Information", "Birthday",
    "Business Address PO Box", "Categories", "Children", "Directory Server", "E-mail Address",
    "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
    "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials",
    "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage",
    "Notes", "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority",
    "Private", "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2",
    "User 3", "User 4", "Web Page",
]  # fmt: skip
# What Outlook writes in every row, whatever the contact.
OUTLOOK_ALWAYS = {
    "Anniversary": "0/0/00",
    "Birthday": "0/0/00",
    "Gender": "Unspecified",
    "Priority": "Normal",
    "Private": "False",
    "Sensitivity": "Normal",
}
OUTLOOK_ROWS = [
    {
        "Title": "Mr.",
        "First Name": "Robert",
        "Middle Name": "James",
        "Last Name": "Miller",
        "Suffix": "Jr.",
        "Company": "Fabrikam Inc.",
        "Department": "Sales",
        "Job Title": "Account Executive",
        "Business Street": "400 Market Street",
        "Business Street 2": "Floor 12",
        "Business City": "San Francisco",
        "Business State": "CA",
        "Business Postal Code": "94105",
        "Business Country/Region": "United States of America",
        "Home Street": "55 Oak Lane",
        "Home City": "Oakland",
        "Home State": "CA",
        "Home Postal Code": "94610",
        "Home Country/Region": "United States of America",
        "Assistant's Phone": "+1 (415) 555-0110",
        "Business Fax": "+1 (415) 555-0199",
        "Business Phone": "+1 (415) 555-0123",
        "Home Phone": "+1 (510) 555-0145",
        "Mobile Phone": "+1 (415) 555-0177",
        "Assistant's Name": "Linda Park",
        "Birthday": "7/4/1978",
        "Categories": "Customers",
        "E-mail Address": "robert.miller@fabrikam.example",
        "E-mail Type": "SMTP",
        "E-mail Display Name": "Robert Miller (robert.miller@fabrikam.example)",
        "E-mail 2 Address": "bob.miller@mail.example",
        "E-mail 2 Type": "SMTP",
        "E-mail 2 Display Name": "Bob (bob.miller@mail.example)",
        "Gender": "Male",
        "Initials": "R.J.M.",
        "Notes": "Prefers calls after 10 am.",
        "Spouse": "Karen Miller",
        "Web Page": "https://www.fabrikam.example",
    },
    {
        # A company saved as a contact: Outlook files it under the company's name.
        "Company": "Litware Ltd",
        "Business Street": "10 Hudson Yards",
        "Business City": "New York",
        "Business State": "NY",
        "Business Postal Code": "10001",
        "Business Country/Region": "United States of America",
        "Business Fax": "+1 (212) 555-0101",
        "Business Phone": "+1 (212) 555-0100",
        "E-mail Address": "office@litware.example",
        "E-mail Type": "SMTP",
        "E-mail Display Name": "Litware Ltd (office@litware.example)",
        "Web Page": "https://litware.example",
    },
]

OUTLOOK_ZH_HEADER = [
    "英文称谓", "名", "中间名", "姓", "中文称谓", "单位", "部门", "职务", "商务地址 街道",
    "商务地址 街道 2", "商务地址 街道 3", "商务地址 市/县", "商务地址 省/市/自治区",
    "商务地址 邮政编码", "商务地址 国家/地区", "住宅地址 街道", "住宅地址 街道 2",
    "住宅地址 街道 3", "住宅地址 市/县", "住宅地址 省/市/自治区", "住宅地址 邮政编码",
    "住宅地址 国家/地区", "其他地址 街道", "其他地址 街道 2", "其他地址 街道 3", "其他地址 市/县",
    "其他地址 省/市/自治区", "其他地址 邮政编码", "其他地址 国家/地区", "助理的电话", "商务传真",
    "商务电话", "商务电话 2", "回电话", "车载电话", "单位主要电话", "住宅传真", "住宅电话",
    "住宅电话 2", "ISDN", "移动电话", "其他传真", "其他电话", "寻呼机", "主要电话", "无绳电话",
    "TTY/TDD 电话", "电报", "Internet 忙闲", "办公地点", "地点", "电子邮件地址", "电子邮件类型",
    "电子邮件显示名称", "电子邮件 2 地址", "电子邮件 2 类型", "电子邮件 2 显示名",
    "电子邮件 3 地址", "电子邮件 3 类型", "电子邮件 3 显示名", "附注", "工作证号码", "关键词",
    "记帐信息", "纪念日", "经理姓名", "类别", "里程", "敏感度", "目录服务器", "配偶",
    "其他地址 - 邮箱", "商务地址 - 邮箱", "身份证编号", "生日", "私有", "缩写", "网页", "性别",
    "业余爱好", "引用者", "用户 1", "用户 2", "用户 3", "用户 4", "优先级", "语言", "帐户", "职业",
    "助理的姓名", "住宅地址 - 邮箱", "子女",
]  # fmt: skip
OUTLOOK_ZH_ALWAYS = {
    "纪念日": "0/0/00",
    "生日": "0/0/00",
    "性别": "未指定",
    "优先级": "普通",
    "私有": "False",
    "敏感度": "普通",
}
OUTLOOK_ZH_ROWS = [
    {
        "名": "伟",
        "姓": "张",
        "单位": "华为技术有限公司",
        "部门": "企业业务部",
        "职务": "客户经理",
        "商务地址 街道": "坂田华为基地B区",
        "商务地址 市/县": "深圳",
        "商务地址 省/市/自治区": "广东省",
        "商务地址 邮政编码": "518129",
        "商务地址 国家/地区": "中国",
        "住宅地址 街道": "南山区科技园南路88号",
        "住宅地址 市/县": "深圳",
        "住宅地址 省/市/自治区": "广东省",
        "住宅地址 邮政编码": "518057",
        "住宅地址 国家/地区": "中国",
        "商务传真": "0755-2878 0809",
        "商务电话": "0755-2878 0808",
        "住宅电话": "0755-8666 1234",
        "移动电话": "138 0013 8000",
        "电子邮件地址": "zhangwei@huawei.example.cn",
        "电子邮件类型": "SMTP",
        "电子邮件显示名称": "张伟 (zhangwei@huawei.example.cn)",
        "附注": "重要客户，季度回访。",
        "配偶": "王芳",
        "生日": "1980/3/5",
        "缩写": "张.伟.",
        "网页": "https://www.huawei.example.cn",
        "性别": "男",
    },
    {
        "单位": "深圳市腾达电子有限公司",
        "商务地址 街道": "宝安区西乡街道航城大道18号",
        "商务地址 市/县": "深圳",
        "商务地址 省/市/自治区": "广东省",
        "商务地址 邮政编码": "518126",
        "商务地址 国家/地区": "中国",
        "商务电话": "0755-8888 6666",
        "电子邮件地址": "sales@tengda.example.cn",
        "电子邮件类型": "SMTP",
        "电子邮件显示名称": "深圳市腾达电子有限公司 (sales@tengda.example.cn)",
    },
]


def _csv(header, rows, always, *, quote_all: bool, line_end: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator=line_end,
    )
    writer.writerow(header)
    for row in rows:
        values = {**always, **row}
        writer.writerow([values.get(column, "") for column in header])
    return buffer.getvalue()


def main() -> None:
    google = _csv(GOOGLE_HEADER, GOOGLE_ROWS, {}, quote_all=False, line_end="\n")
    (HERE / "google_contacts.csv").write_bytes(google.encode("utf-8"))
    outlook = _csv(OUTLOOK_HEADER, OUTLOOK_ROWS, OUTLOOK_ALWAYS, quote_all=True, line_end="\r\n")
    (HERE / "outlook_en.csv").write_bytes(outlook.encode("cp1252"))
    chinese = _csv(
        OUTLOOK_ZH_HEADER, OUTLOOK_ZH_ROWS, OUTLOOK_ZH_ALWAYS, quote_all=True, line_end="\r\n"
    )
    (HERE / "outlook_zh.csv").write_bytes(chinese.encode("gb18030"))


if __name__ == "__main__":
    main()
