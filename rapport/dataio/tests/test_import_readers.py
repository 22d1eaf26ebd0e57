"""Reading uploaded files for import: encodings, delimiters, Excel, vCard and bad files.

Every fixture is written to `tmp_path` by the test itself: bytes for CSV and vCard, openpyxl for
workbooks.
"""

import datetime
import zipfile

import pytest
from openpyxl import Workbook

from rapport.dataio.services.imports.readers import (
    MAX_COLUMNS,
    VCARD_COLUMNS,
    VCARD_UNREAD_COLUMN,
    CsvReader,
    FlawedRow,
    ImportFileError,
    VCardReader,
    XlsxReader,
    detect_delimiter,
    detect_encoding,
    open_table,
)


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def open_bytes(tmp_path, data: bytes, name="contacts.csv"):
    return open_table(write(tmp_path, name, data), original_name=name)


def all_rows(reader):
    return list(reader.rows())


def refusal(tmp_path, data: bytes, name="contacts.csv") -> str:
    with pytest.raises(ImportFileError) as exc:
        open_bytes(tmp_path, data, name)
    assert exc.value.code == "import_file_invalid"
    assert exc.value.details == {"file": [exc.value.message]}
    return exc.value.message


def card(reader, values) -> dict:
    """A vCard row as column → value, without the empty columns."""
    return {column: value for column, value in zip(reader.columns, values, strict=True) if value}


# --- Encodings -----------------------------------------------------------------------------------

CHINESE = "姓名,手机,城市\n张伟,13800138000,北京\n李娜,13900139000,上海\n"


def test_utf8_file_is_read_as_utf8(tmp_path):
    reader = open_bytes(tmp_path, CHINESE.encode("utf-8"))

    assert isinstance(reader, CsvReader)
    assert reader.encoding == "utf-8"
    assert reader.columns == ["姓名", "手机", "城市"]
    assert all_rows(reader) == [
        (2, ["张伟", "13800138000", "北京"]),
        (3, ["李娜", "13900139000", "上海"]),
    ]


def test_utf8_bom_is_detected_and_kept_out_of_the_first_column(tmp_path):
    reader = open_bytes(tmp_path, CHINESE.encode("utf-8-sig"))

    assert reader.encoding == "utf-8-sig"
    assert reader.columns[0] == "姓名"
    assert all_rows(reader)[0] == (2, ["张伟", "13800138000", "北京"])


def test_gbk_file_is_read_as_gb18030(tmp_path):
    reader = open_bytes(tmp_path, CHINESE.encode("gbk"))

    assert reader.encoding == "gb18030"
    assert reader.columns == ["姓名", "手机", "城市"]
    assert all_rows(reader)[1] == (3, ["李娜", "13900139000", "上海"])


def test_gb18030_characters_outside_gbk_are_read(tmp_path):
    text = "姓名,备注\n张㐀,䶮\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")

    reader = open_bytes(tmp_path, text.encode("gb18030"))

    assert reader.encoding == "gb18030"
    assert all_rows(reader) == [(2, ["张㐀", "䶮"])]


def test_utf16_with_bom_as_excel_unicode_text_is_read(tmp_path):
    reader = open_bytes(tmp_path, CHINESE.replace(",", "\t").encode("utf-16"), "contacts.txt")

    assert reader.encoding == "utf-16"
    assert reader.delimiter == "\t"
    assert reader.columns == ["姓名", "手机", "城市"]
    assert all_rows(reader)[0] == (2, ["张伟", "13800138000", "北京"])


def test_encoding_of_a_sample_cut_inside_a_character_is_still_utf8():
    line = "姓名,城市\n张伟,北京\n".encode()

    assert detect_encoding(line[:-2], complete=False) == "utf-8"
    # One long line and no newline at all: the last character is cut in half.
    assert detect_encoding(("北京" * 1000).encode()[:-1], complete=False) == "utf-8"


def test_encoding_is_the_one_most_lines_are_in():
    utf8_with_one_gbk_line = (
        "姓名\n张伟\n".encode() + "李娜\n".encode("gbk") + "王芳\n赵磊\n".encode()
    )
    gbk_with_one_utf8_line = (
        "姓名\n张伟\n".encode("gbk") + "李娜\n".encode() + "王芳\n赵磊\n".encode("gbk")
    )

    assert detect_encoding(utf8_with_one_gbk_line, complete=True) == "utf-8"
    assert detect_encoding(gbk_with_one_utf8_line, complete=True) == "gb18030"


def test_a_line_in_another_encoding_in_a_utf8_file_is_a_flawed_row(tmp_path):
    data = "姓名,城市\n张伟,北京\n".encode() + "李娜,上海\n".encode("gbk") + "王芳,广州\n".encode()

    rows = all_rows(open_bytes(tmp_path, data))

    assert [number for number, _values in rows] == [2, 3, 4]
    assert not isinstance(rows[0][1], FlawedRow)
    flawed = rows[1][1]
    assert isinstance(flawed, FlawedRow)
    assert flawed.problem == "undecodable"
    assert flawed.lines == (3, 3)
    assert rows[2][1] == ["王芳", "广州"]


def test_a_utf8_line_in_a_gbk_file_is_a_flawed_row_not_gibberish(tmp_path):
    data = (
        "姓名,城市\n张伟,北京\n".encode("gbk")
        + "李娜,上海\n".encode()
        + "王芳,广州\n赵磊,深圳\n".encode("gbk")
    )

    rows = all_rows(open_bytes(tmp_path, data))

    assert [values for _n, values in rows if not isinstance(values, FlawedRow)] == [
        ["张伟", "北京"],
        ["王芳", "广州"],
        ["赵磊", "深圳"],
    ]
    flawed = rows[1][1]
    assert isinstance(flawed, FlawedRow)
    assert (flawed.problem, flawed.lines) == ("undecodable", (3, 3))


def ascii_megabyte() -> bytes:
    line = b"Emily Carter,13800138000,emily.carter@example.com,Springfield\n"
    return b"name,phone,email,city\n" + line * (1024 * 1024 // len(line) + 1)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_encoding_is_found_after_a_first_megabyte_of_ascii(tmp_path, encoding):
    data = ascii_megabyte() + "张伟,13800138000,zw@example.cn,北京\n".encode(encoding)

    reader = open_bytes(tmp_path, data)

    assert reader.encoding == ("gb18030" if encoding == "gbk" else "utf-8")
    assert list(reader.rows())[-1][1] == ["张伟", "13800138000", "zw@example.cn", "北京"]


def test_quote_that_never_closes_after_the_first_megabyte_stops_the_rows(tmp_path):
    reader = open_bytes(tmp_path, ascii_megabyte() + b'bob,"never closed\ncarol,1,2,3\n')

    with pytest.raises(ImportFileError) as exc:
        list(reader.rows())

    assert "never ends" in exc.value.message


# --- Delimiters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path, delimiter):
    text = "\n".join(
        delimiter.join(row)
        for row in [["姓名", "手机", "邮箱"], ["张伟", "13800138000", "zw@a.cn"]]
    )

    reader = open_bytes(tmp_path, (text + "\n").encode())

    assert reader.delimiter == delimiter
    assert all_rows(reader) == [(2, ["张伟", "13800138000", "zw@a.cn"])]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("name,note\nalice,hello; world\nbob,x; y; z\n", ","),
        ("name;note\nalice;hello, world\nbob;x, y, z\n", ";"),
        ('"a","b"\n"1,5","2"\n', ","),
        ("姓名\t备注\n张伟\t喜欢, 咖啡\n", "\t"),
        ("a|b\n1|2,3\n4|5\n", "|"),
        # The Sniffer gives up on one column and on rows of different lengths.
        ("name\nalice\nbob\n", ","),
        ("a;b;c\n1;2\n1;2;3;4\n", ";"),
        ("a\tb", "\t"),
        ("", ","),
    ],
)
def test_delimiter_in_values_does_not_fool_detection(text, delimiter):
    assert detect_delimiter(text) == delimiter


def test_single_column_file_is_read(tmp_path):
    reader = open_bytes(tmp_path, "姓名\n张伟\n李娜\n".encode())

    assert reader.columns == ["姓名"]
    assert all_rows(reader) == [(2, ["张伟"]), (3, ["李娜"])]


# --- CSV structure -------------------------------------------------------------------------------


def test_blank_lines_are_skipped_and_rows_keep_the_files_line_numbers(tmp_path):
    reader = open_bytes(tmp_path, b"name,phone\n\n,\nalice,1\n\n\nbob,2\n")

    assert all_rows(reader) == [(4, ["alice", "1"]), (7, ["bob", "2"])]


def test_a_row_after_blank_lines_and_a_multi_line_value_has_the_number_of_its_first_line(
    tmp_path,
):
    data = b'name,note\n\nalice,"line 1\nline 2\nline 3"\n\n\nbob,x\n"carol","a\nb"\n'

    rows = all_rows(open_bytes(tmp_path, data))

    assert rows == [
        (3, ["alice", "line 1\nline 2\nline 3"]),
        (8, ["bob", "x"]),
        (9, ["carol", "a\nb"]),
    ]


def test_empty_and_repeated_headers_get_unique_names(tmp_path):
    reader = open_bytes(tmp_path, b"phone,,phone, phone \n1,2,3,4\n")

    assert reader.columns == ["phone", "#2", "phone (2)", "phone (3)"]


def test_quoted_values_keep_delimiters_quotes_and_line_breaks(tmp_path):
    data = b'name,note\n"Carter, Emily","line 1\nline 2 ""quoted"""\nbob,x\n'

    rows = all_rows(open_bytes(tmp_path, data))

    assert rows == [(2, ["Carter, Emily", 'line 1\nline 2 "quoted"']), (4, ["bob", "x"])]


def test_old_mac_line_endings_are_read(tmp_path):
    reader = open_bytes(tmp_path, b"name,phone\ralice,1\rbob,2\r")

    assert all_rows(reader) == [(2, ["alice", "1"]), (3, ["bob", "2"])]


def test_rows_resume_from_a_byte_offset(tmp_path):
    data = "姓名,城市\n张伟,北京\n李娜,上海\n\n王芳,广州\n赵磊,深圳\n".encode("gbk")
    reader = open_bytes(tmp_path, data)
    rows = reader.rows()
    next(rows)
    next(rows)
    offset = reader.offset

    resumed = list(open_bytes(tmp_path, data).rows_from_offset(offset, 2))

    assert resumed == [(5, ["王芳", "广州"]), (6, ["赵磊", "深圳"])]
    assert resumed == list(reader.rows(2))


def test_sample_gives_the_first_rows(tmp_path):
    reader = open_bytes(tmp_path, b"n\n1\n2\n3\n")

    assert reader.sample(2) == [["1"], ["2"]]


# --- Bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n", b",,,\n,,\n", b"\xff\xfe"])
def test_empty_file_is_refused(tmp_path, data):
    assert refusal(tmp_path, data) == "The file is empty."


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x1f\x8b\x08\x00" + bytes(range(256)),
        b"MZ\x90\x00\x03\x00\x00\x00",
        b"name,phone\nalice,1\x00\x00\x00\x00\n",
        bytes(range(1, 32)) * 50,
    ],
)
def test_binary_file_renamed_csv_is_refused(tmp_path, data):
    assert refusal(tmp_path, data).startswith("This file is not a table Rapport can read.")


def test_random_bytes_renamed_csv_are_refused(tmp_path):
    data = bytes((i * 7919 + 13) % 256 for i in range(20000))

    assert refusal(tmp_path, data).startswith("This file is not a table Rapport can read.")


def test_old_excel_file_is_refused_with_advice(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)

    assert "Save the file as .xlsx or CSV" in refusal(tmp_path, data, "contacts.xls")


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "photos.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "not a sheet")

    with pytest.raises(ImportFileError) as exc:
        open_table(path, original_name="photos.csv")

    assert "not an Excel workbook" in exc.value.message


def test_csv_renamed_xlsx_is_refused(tmp_path):
    assert refusal(tmp_path, b"name\nalice\n", "contacts.xlsx").startswith(
        "This file is not a table"
    )


def test_file_with_ten_thousand_columns_is_refused(tmp_path):
    header = ",".join(f"c{i}" for i in range(10_000))

    message = refusal(tmp_path, f"{header}\n{header}\n".encode())

    assert message == f"The file has 10000 columns; at most {MAX_COLUMNS} can be imported."


def test_file_with_a_header_over_a_megabyte_is_refused_for_its_columns(tmp_path):
    header = ",".join(f"列{i}" + "x" * 200 for i in range(6000))

    assert "at most 500 can be imported" in refusal(tmp_path, (header + "\n").encode())


def test_quote_that_never_closes_is_refused_with_its_line(tmp_path):
    message = refusal(tmp_path, b'name,note\nalice,ok\nbob,"never closed\ncarol,x\n')

    assert message.startswith("A quoted value starting on line 3 never ends")


def test_quote_in_the_wrong_place_spoils_only_its_row(tmp_path):
    rows = all_rows(open_bytes(tmp_path, b'name,note\nalice,"ok"\nbob,"bad"x\ncarol,fine\n'))

    assert rows[0] == (2, ["alice", "ok"])
    assert rows[2] == (4, ["carol", "fine"])
    flawed = rows[1][1]
    assert isinstance(flawed, FlawedRow)
    assert (flawed.problem, flawed.lines) == ("quoting", (3, 3))
    assert flawed == ['bob,"bad"x']


def test_quote_in_the_wrong_place_in_a_utf16_file_is_reported_not_dropped(tmp_path):
    data = '姓名\t手机\n张伟\t"138"x\n李娜\t139\n'.encode("utf-16")

    rows = all_rows(open_bytes(tmp_path, data))

    assert len(rows) == 2
    assert isinstance(rows[0][1], FlawedRow)
    assert rows[0][1] == ['张伟\t"138"x']
    assert rows[1] == (3, ["李娜", "139"])


def test_value_longer_than_the_csv_limit_spoils_only_its_row(tmp_path):
    data = b"name,note\nalice," + b"x" * 200_000 + b"\nbob,fine\n"

    rows = all_rows(open_bytes(tmp_path, data))

    assert isinstance(rows[0][1], FlawedRow)
    assert (rows[0][1].problem, rows[0][1].lines) == ("too_long", (2, 2))
    assert rows[1] == (3, ["bob", "fine"])


def test_header_that_cannot_be_read_is_refused(tmp_path):
    message = refusal(tmp_path, b'name,"no"te\nalice,1\n')

    assert message.startswith("The first row, with the column names, cannot be read")


# --- Excel ---------------------------------------------------------------------------------------


def workbook(tmp_path, rows, name="contacts.xlsx"):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_xlsx_cells_are_read_as_the_text_a_csv_would_hold(tmp_path):
    path = workbook(
        tmp_path,
        [
            ["姓名", "手机", "生日", "金额", "启用", None, "备注"],
            ["张伟", 13800138000, datetime.datetime(1990, 3, 5), 12.5, True, None, None],
            [None, None, None],
            ["李娜", "139 0013 9000", datetime.date(1985, 6, 12), 100.0, False, None, "VIP"],
            ["王芳", None, datetime.datetime(2024, 3, 5, 9, 30), None, None, None, None, "extra"],
        ],
    )

    reader = open_table(path, original_name="contacts.xlsx")

    assert isinstance(reader, XlsxReader)
    assert (reader.format, reader.encoding, reader.delimiter) == ("xlsx", None, None)
    assert reader.columns == ["姓名", "手机", "生日", "金额", "启用", "#6", "备注"]
    rows = all_rows(reader)
    assert rows[0] == (2, ["张伟", "13800138000", "1990-03-05", "12.5", "TRUE", "", ""])
    assert rows[1] == (4, ["李娜", "139 0013 9000", "1985-06-12", "100", "FALSE", "", "VIP"])
    # A value beyond the header is kept, so the row can be rejected rather than cut.
    assert rows[2] == (5, ["王芳", "", "2024-03-05 09:30:00", "", "", "", "", "extra"])


def test_xlsx_is_recognised_by_content_whatever_its_name(tmp_path):
    path = workbook(tmp_path, [["name"], ["alice"]], name="export.csv")

    reader = open_table(path, original_name="export.csv")

    assert reader.format == "xlsx"
    assert all_rows(reader) == [(2, ["alice"])]


def test_xlsx_header_below_blank_rows_is_found(tmp_path):
    path = workbook(tmp_path, [[None, None], ["name", "phone"], ["alice", "1"]])

    reader = open_table(path, original_name="contacts.xlsx")

    assert reader.columns == ["name", "phone"]
    assert all_rows(reader) == [(3, ["alice", "1"])]


def test_empty_workbook_is_refused(tmp_path):
    path = workbook(tmp_path, [])

    with pytest.raises(ImportFileError) as exc:
        open_table(path, original_name="contacts.xlsx")

    assert exc.value.message == "The workbook's first sheet is empty."


def test_workbook_with_ten_thousand_columns_is_refused(tmp_path):
    path = workbook(tmp_path, [[f"c{i}" for i in range(10_000)]])

    with pytest.raises(ImportFileError) as exc:
        open_table(path, original_name="wide.xlsx")

    assert "10000 columns" in exc.value.message


def test_truncated_workbook_is_refused(tmp_path):
    whole = workbook(tmp_path, [["name"], ["alice"]]).read_bytes()

    message = refusal(tmp_path, whole[: len(whole) // 2], "broken.xlsx")

    assert message.startswith("This file is not an Excel workbook Rapport can read")


# --- vCard ---------------------------------------------------------------------------------------

VCARD_30 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Carter;Emily;Jane;Dr.;\r\n"
    "FN:Emily Carter\r\n"
    "ORG:Acme Ltd.;Sales\r\n"
    "TITLE:Buyer\r\n"
    "TEL;TYPE=CELL:+86 138 0013 8000\r\n"
    "TEL;TYPE=WORK,VOICE:010-6552 9988\r\n"
    "TEL;TYPE=HOME:021 6123 4567\r\n"
    "EMAIL;TYPE=INTERNET:Emily@Example.COM\r\n"
    "ADR;TYPE=WORK:;Suite 5;1 Main St\\, Block B;Springfield;IL;62701;USA\r\n"
    "ADR;TYPE=HOME:;;2 Other St;Shelbyville;IL;62565;USA\r\n"
    "NOTE:Met at the fair\\nlikes tea\\, coffee and long no\r\n"
    " tes\r\n"
    "BDAY:1990-03-05\r\n"
    "CATEGORIES:VIP,Trade show\r\n"
    "X-SOCIALPROFILE;TYPE=twitter:http://twitter.com/emily\r\n"
    "X-WHATEVER;X-PARAM=1:unknown: ignored\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:AAAABBBB\r\n"
    " CCCCDDDD\r\n"
    "UID:abc-123\r\n"
    "END:VCARD\r\n"
)


def test_vcard_30_is_read_with_structured_name_and_address(tmp_path):
    reader = open_bytes(tmp_path, VCARD_30.encode(), "contacts.vcf")

    assert isinstance(reader, VCardReader)
    assert reader.columns == VCARD_COLUMNS
    ((number, values),) = all_rows(reader)
    assert number == 1
    assert card(reader, values) == {
        "FN": "Emily Carter",
        "N.family": "Carter",
        "N.given": "Emily",
        "N.middle": "Jane",
        "N.prefix": "Dr.",
        "TEL;CELL": "+86 138 0013 8000",
        "TEL;WORK": "010-6552 9988",
        "TEL;HOME": "021 6123 4567",
        "EMAIL": "Emily@Example.COM",
        "ORG": "Acme Ltd.",
        "ORG.unit": "Sales",
        "TITLE": "Buyer",
        # The work and the home address; an escaped comma is a comma.
        "ADR.street": "1 Main St, Block B Suite 5",
        "ADR.locality": "Springfield",
        "ADR.region": "IL",
        "ADR.postcode": "62701",
        "ADR.country": "USA",
        "ADR;HOME.street": "2 Other St",
        "ADR;HOME.locality": "Shelbyville",
        "ADR;HOME.region": "IL",
        "ADR;HOME.postcode": "62565",
        "ADR;HOME.country": "USA",
        # Folded lines are joined without the fold's space.
        "NOTE": "Met at the fair\nlikes tea, coffee and long notes",
        "BDAY": "1990-03-05",
        "CATEGORIES": "VIP, Trade show",
        "UID": "abc-123",
        # The user's data with no field goes to the notes, under its kind.
        "MORE": "Social profile: http://twitter.com/emily",
        # What is read nowhere is named, for the dry run to list.
        VCARD_UNREAD_COLUMN: "X-WHATEVER, PHOTO",
    }


VCARD_40 = (
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "FN:张伟\n"
    "N:张;伟;;;\n"
    "GENDER:M\n"
    'TEL;VALUE=uri;TYPE="cell,voice":tel:+86-138-0013-8000\n'
    "TEL;TYPE=work;VALUE=uri:tel:+86-10-6552-9988\n"
    "item1.EMAIL;PREF=1:zw@example.cn\n"
    "item1.X-ABLabel:工作\n"
    'ADR;TYPE=work;GEO="geo:39.9,116.4";LABEL="北京市朝阳区建国路88号":;;建国路88号;北京;北京市;'
    "100022;中国\n"
    "BDAY:--0305\n"
    "ANNIVERSARY:20100101\n"
    "KIND:individual\n"
    "CLIENTPIDMAP:1;urn:uuid:3df403f4-5924-4bb7-b077-3c711d9eb34b\n"
    "END:VCARD\n"
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "FN:Li Na\n"
    "BDAY:19850612\n"
    "END:VCARD\n"
)


def test_vcard_40_is_read_with_uri_phones_quoted_parameters_and_groups(tmp_path):
    reader = open_bytes(tmp_path, VCARD_40.encode(), "contacts.vcf")

    rows = all_rows(reader)

    assert [number for number, _values in rows] == [1, 16]
    assert card(reader, rows[0][1]) == {
        "FN": "张伟",
        "N.family": "张",
        "N.given": "伟",
        "GENDER": "M",
        "TEL;CELL": "+86-138-0013-8000",
        "TEL;WORK": "+86-10-6552-9988",
        "EMAIL": "zw@example.cn",
        "ADR.street": "建国路88号",
        "ADR.locality": "北京",
        "ADR.region": "北京市",
        "ADR.postcode": "100022",
        "ADR.country": "中国",
        "BDAY": "--0305",
        "MORE": "Anniversary: 20100101",
        VCARD_UNREAD_COLUMN: "CLIENTPIDMAP",
    }
    assert card(reader, rows[1][1]) == {"FN": "Li Na", "BDAY": "19850612"}


def test_vcard_21_quoted_printable_with_soft_line_breaks_is_decoded(tmp_path):
    data = (
        b"BEGIN:VCARD\r\n"
        b"VERSION:2.1\r\n"
        b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0;=E4=BC=9F;;;\r\n"
        b"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0=E4=BC=9F=\r\n"
        b"=EF=BC=88=E5=8C=97=E4=BA=AC=EF=BC=89\r\n"
        b"TEL;CELL;PREF:13800138000\r\n"
        b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=GBK:=D5=C5=CE=B0\r\n"
        b"END:VCARD\r\n"
    )

    reader = open_bytes(tmp_path, data, "phone.vcf")

    ((_number, values),) = all_rows(reader)
    assert card(reader, values) == {
        "FN": "张伟（北京）",
        "N.family": "张",
        "N.given": "伟",
        "TEL;CELL": "13800138000",
        "NOTE": "张伟",
    }


def test_vcard_in_gbk_is_read(tmp_path):
    data = "BEGIN:VCARD\nVERSION:3.0\nFN:张伟\nTEL:13800138000\nEND:VCARD\n".encode("gbk")

    reader = open_bytes(tmp_path, data, "contacts.vcf")

    assert reader.encoding == "gb18030"
    assert card(reader, all_rows(reader)[0][1]) == {"FN": "张伟", "TEL": "13800138000"}


def test_vcard_with_only_unknown_properties_gives_an_empty_row(tmp_path):
    data = b"BEGIN:VCARD\nVERSION:3.0\nX-FOO:bar\nnot a property\nEND:VCARD\n"

    reader = open_bytes(tmp_path, data, "contacts.vcf")

    # Only the property's name, in the column of what is not read.
    assert all_rows(reader) == [(1, [""] * (len(VCARD_COLUMNS) - 1) + ["X-FOO"])]


def test_vcard_with_an_unknown_charset_is_a_flawed_row(tmp_path):
    data = b"BEGIN:VCARD\nVERSION:3.0\nFN;CHARSET=X-NOPE:Emily\nEND:VCARD\n"

    ((_number, values),) = all_rows(open_bytes(tmp_path, data, "contacts.vcf"))

    assert isinstance(values, FlawedRow)
    assert (values.problem, values.lines) == ("undecodable", (1, 4))


def test_nested_vcard_is_ignored(tmp_path):
    # vCard 2.1 writes an agent's card on the lines after AGENT:.
    data = b"BEGIN:VCARD\nFN:Emily\nAGENT:\nBEGIN:VCARD\nFN:Agent\nEND:VCARD\nEND:VCARD\n"

    reader = open_bytes(tmp_path, data, "contacts.vcf")

    rows = all_rows(reader)
    assert len(rows) == 1
    assert card(reader, rows[0][1]) == {"FN": "Emily", VCARD_UNREAD_COLUMN: "AGENT"}


def test_vcard_is_recognised_by_content_whatever_its_name(tmp_path):
    reader = open_bytes(tmp_path, b"\xef\xbb\xbfBEGIN:VCARD\nFN:Emily\nEND:VCARD\n", "x.txt")

    assert reader.format == "vcard"


def test_vcard_without_end_is_refused(tmp_path):
    message = refusal(tmp_path, b"BEGIN:VCARD\nVERSION:3.0\nFN:Emily\n", "contacts.vcf")

    assert message == "The vCard starting on line 1 has no END:VCARD."


def test_vcf_file_without_a_vcard_is_refused(tmp_path):
    message = refusal(tmp_path, b"hello world\n", "contacts.vcf")

    assert message == "The file has no vCard in it (BEGIN:VCARD … END:VCARD)."


def test_utf16_vcard_is_refused_with_advice(tmp_path):
    data = "BEGIN:VCARD\nFN:张伟\nEND:VCARD\n".encode("utf-16")

    assert "Export the contacts as UTF-8" in refusal(tmp_path, data, "contacts.vcf")


def test_binary_file_named_vcf_is_refused(tmp_path):
    data = bytes((i * 7919 + 13) % 256 for i in range(4096))

    assert refusal(tmp_path, data, "contacts.vcf") == (
        "The file has no vCard in it (BEGIN:VCARD … END:VCARD)."
    )
