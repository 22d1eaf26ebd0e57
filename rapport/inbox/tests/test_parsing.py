"""Reading messages as real mail software writes them: Chinese charsets, broken encodings."""

import base64

import pytest

from rapport.inbox.parsing import decode_header_value, parse_mail


def encoded_word(text: str, charset: str, encoded: bytes | None = None) -> str:
    data = encoded if encoded is not None else text.encode(charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # Foxmail and older Outlook label Simplified Chinese GB2312…
        (encoded_word("关于订单的问题", "gb2312"), "关于订单的问题"),
        # …also when the text holds characters only GBK has (镕 is not in GB2312).
        (encoded_word("朱镕基", "gb2312", "朱镕基".encode("gbk")), "朱镕基"),
        (encoded_word("報價單", "big5"), "報價單"),
        # Hong Kong characters beyond plain Big5, labelled Big5.
        (encoded_word("邨", "big5", "邨".encode("big5hkscs")), "邨"),
        (encoded_word("回复：报价", "utf-8"), "回复：报价"),
        # Quoted-printable, split over two encoded words with folding between them.
        ("=?UTF-8?Q?=E4=BD=A0=E5=A5=BD?=\r\n =?UTF-8?Q?=E4=B8=96=E7=95=8C?=", "你好世界"),
        ("Re: " + encoded_word("发票", "gbk"), "Re: 发票"),
        # An unknown charset: the bytes are still read.
        (encoded_word("合同", "x-unknown", "合同".encode()), "合同"),
        # A broken encoded word is left as it came.
        ("=?utf-8?B?not base64!?=", "=?utf-8?B?not base64!?="),
    ],
)
def test_subject_in_chinese_charsets_is_decoded(header, expected):
    assert decode_header_value(header) == expected


def test_undeclared_8bit_header_is_read_as_utf8_or_gb18030():
    raw = (
        b"From: =?gb2312?B?1cXI/Q==?= <zhang@example.cn>\r\n"
        b"Subject: " + "询价：不锈钢管".encode("gbk") + b"\r\n"
        b"To: sales@example.com\r\n"
        b"\r\n"
        b"body\r\n"
    )

    parsed = parse_mail(raw)

    assert parsed.subject == "询价：不锈钢管"
    assert parsed.from_name == "张三"
    assert parsed.from_address == "zhang@example.cn"


def test_body_text_and_attachment_with_encoded_chinese_filename():
    raw = (
        b"From: Li Si <LI.SI@Example.COM>\r\n"
        b"Subject: =?utf-8?B?5ZCI5ZCM?=\r\n"
        b"Message-ID: <abc@example.com>\r\n"
        b"In-Reply-To: <ours-1@rapport.example>\r\n"
        b"References: <ours-0@rapport.example>\r\n <ours-1@rapport.example>\r\n"
        b"Date: Mon, 07 Dec 2026 09:30:00 +0800\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n'
        b"\r\n"
        b"--XX\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n" + base64.b64encode("请见附件。".encode("gb2312")) + b"\r\n"
        b"--XX\r\n"
        b'Content-Type: application/pdf; name="=?utf-8?B?5ZCI5ZCMLnBkZg==?="\r\n'
        b'Content-Disposition: attachment; filename="=?utf-8?B?5ZCI5ZCMLnBkZg==?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n" + base64.b64encode(b"%PDF-1.4 test") + b"\r\n"
        b"--XX--\r\n"
    )

    parsed = parse_mail(raw)

    assert parsed.from_address == "li.si@example.com"
    assert parsed.subject == "合同"
    assert parsed.body_text == "请见附件。"
    assert parsed.message_id == "abc@example.com"
    assert parsed.in_reply_to == "ours-1@rapport.example"
    assert parsed.references == ["ours-0@rapport.example", "ours-1@rapport.example"]
    assert parsed.sent_at.isoformat() == "2026-12-07T09:30:00+08:00"
    assert [(a.filename, a.content) for a in parsed.attachments] == [("合同.pdf", b"%PDF-1.4 test")]


def test_broken_base64_and_html_only_body_do_not_raise():
    raw = (
        b"From: a@example.com\r\n"
        b"Subject: html\r\n"
        b'Content-Type: multipart/alternative; boundary="B"\r\n'
        b"\r\n"
        b"--B\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"\r\n"
        b"<p>Hello <b>there</b></p>\r\n"
        b"--B\r\n"
        b'Content-Type: image/png; name="x.png"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"!!!not*base64###\r\n"
        # No closing boundary.
    )

    parsed = parse_mail(raw)

    assert parsed.body_text == "Hello there"
    assert parsed.attachments[0].filename == "x.png"


def test_message_without_sender_has_no_address():
    assert parse_mail(b"Subject: nobody\r\n\r\nhi\r\n").from_address == ""
