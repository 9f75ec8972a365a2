"""The callback crypto against WeCom's published sample (企业微信加解密方案, the WXBizMsgCrypt
samples): the URL verification and the message of its Sample files, with their own token, key and
corp id."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from rm_portal.wecom import crypto

TOKEN = "QDG6eK"
CORP_ID = "wx5823bf96d3bd56c7"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

# 使用示例一：验证回调URL
VERIFY_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
VERIFY_TIMESTAMP = "1409659589"
VERIFY_NONCE = "263014780"
VERIFY_ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="

# 使用示例二：对用户回复的消息解密
MESSAGE_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
MESSAGE_TIMESTAMP = "1409659813"
MESSAGE_NONCE = "1372623149"
MESSAGE_ENCRYPTED = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W"
    "/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+H"
    "MZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3"
    "LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn2"
    "8H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)


def test_the_published_url_verification_sample_checks_and_decrypts():
    assert crypto.signature(TOKEN, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHOSTR) == VERIFY_SIGNATURE
    assert crypto.signature_valid(TOKEN, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHOSTR, VERIFY_SIGNATURE)
    assert crypto.decrypt(VERIFY_ECHOSTR, aes_key=AES_KEY, corp_id=CORP_ID) == b"1616140317555161061"


def test_the_published_message_sample_checks_and_decrypts():
    assert crypto.signature_valid(
        TOKEN, MESSAGE_TIMESTAMP, MESSAGE_NONCE, MESSAGE_ENCRYPTED, MESSAGE_SIGNATURE
    )
    plain = crypto.decrypt(MESSAGE_ENCRYPTED, aes_key=AES_KEY, corp_id=CORP_ID).decode()
    assert plain.startswith("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>")
    assert "<Content><![CDATA[hello]]></Content>" in plain and "<AgentID>218</AgentID>" in plain


def _random_prefix(encrypted: str) -> bytes:
    """The 16 random bytes the sender chose, read with the cipher directly (not with crypto)."""
    key = base64.b64decode(AES_KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    return (decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize())[:16]


@pytest.mark.parametrize("encrypted", [VERIFY_ECHOSTR, MESSAGE_ENCRYPTED])
def test_encrypt_reproduces_the_published_ciphertext_byte_for_byte(encrypted):
    plain = crypto.decrypt(encrypted, aes_key=AES_KEY, corp_id=CORP_ID)
    again = crypto.encrypt(plain, aes_key=AES_KEY, corp_id=CORP_ID, random=_random_prefix(encrypted))
    assert again == encrypted


def test_a_round_trip_of_chinese_text_and_every_padding_length():
    for size in range(70):
        plain = ("客户" * size).encode()[:size]
        encrypted = crypto.encrypt(plain, aes_key=AES_KEY, corp_id=CORP_ID)
        assert len(base64.b64decode(encrypted)) % 32 == 0  # PKCS#7 to 32, not to AES's 16
        assert crypto.decrypt(encrypted, aes_key=AES_KEY, corp_id=CORP_ID) == plain


def test_another_corp_is_refused_as_the_wrong_receiver():
    encrypted = crypto.encrypt(b"<xml/>", aes_key=AES_KEY, corp_id="ww-other")
    with pytest.raises(crypto.WrongReceiver):
        crypto.decrypt(encrypted, aes_key=AES_KEY, corp_id=CORP_ID)
    with pytest.raises(crypto.WrongReceiver):  # a prefix of the right id is not the right id
        crypto.decrypt(
            crypto.encrypt(b"<xml/>", aes_key=AES_KEY, corp_id=CORP_ID + "x"),
            aes_key=AES_KEY,
            corp_id=CORP_ID,
        )


@pytest.mark.parametrize(
    "encrypted",
    ["", "not base64!", base64.b64encode(b"x" * 15).decode(), base64.b64encode(b"x" * 32).decode()],
)
def test_garbage_is_a_callback_error(encrypted):
    with pytest.raises(crypto.CallbackError):
        crypto.decrypt(encrypted, aes_key=AES_KEY, corp_id=CORP_ID)


def test_a_wrong_key_does_not_open_the_sample():
    with pytest.raises(crypto.CallbackError):
        crypto.decrypt(MESSAGE_ENCRYPTED, aes_key="B" * 43, corp_id=CORP_ID)


def test_the_signature_depends_on_every_part_and_needs_a_token():
    given = crypto.signature(TOKEN, "1", "2", "abc")
    assert not crypto.signature_valid(TOKEN, "1", "2", "abd", given)
    assert not crypto.signature_valid(TOKEN, "1", "3", "abc", given)
    assert not crypto.signature_valid("", "1", "2", "abc", crypto.signature("", "1", "2", "abc"))


@pytest.mark.parametrize("key", [AES_KEY[:42], AES_KEY + "H", AES_KEY[:42] + "!", ""])
def test_a_malformed_aes_key_is_refused(key):
    assert not crypto.aes_key_valid(key)
    with pytest.raises(crypto.CallbackError):
        crypto.encrypt(b"x", aes_key=key, corp_id=CORP_ID)
