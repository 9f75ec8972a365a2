"""WeCom-style callback crypto (企业微信回调): msg_signature check and AES-256-CBC decryption.

msg_signature = SHA1 of the sorted concatenation of token, timestamp, nonce and the encrypted
text. The key is base64(EncodingAESKey + "="), 32 bytes; the IV its first 16 bytes; padding is
PKCS#7 to 32 bytes. The plaintext is 16 random bytes, a 4-byte big-endian length, the message
and the receiving corp id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CallbackError(ValueError):
    pass


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324


def signature_valid(token: str, timestamp: str, nonce: str, encrypted: str, given: str) -> bool:
    return bool(token) and hmac.compare_digest(signature(token, timestamp, nonce, encrypted), given)


def _key(aes_key: str) -> bytes:
    try:
        key = base64.b64decode(aes_key + "=")
    except ValueError as error:
        raise CallbackError("bad EncodingAESKey") from error
    if len(key) != 32:
        raise CallbackError("bad EncodingAESKey")
    return key


def encrypt(plain: bytes, *, aes_key: str, corp_id: str) -> str:
    """What the sender does; the tests and the bench use it to build genuine callbacks."""
    key = _key(aes_key)
    body = os.urandom(16) + struct.pack(">I", len(plain)) + plain + corp_id.encode()
    pad = BLOCK - len(body) % BLOCK
    body += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


def decrypt(encrypted: str, *, aes_key: str, corp_id: str) -> bytes:
    key = _key(aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except ValueError as error:
        raise CallbackError("payload is not base64") from error
    if not data or len(data) % 16:
        raise CallbackError("payload length is not a multiple of the block")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    body = decryptor.update(data) + decryptor.finalize()
    pad = body[-1]
    if not 1 <= pad <= BLOCK or body[-pad:] != bytes([pad]) * pad:
        raise CallbackError("bad padding")
    body = body[:-pad]
    if len(body) < 20:
        raise CallbackError("payload too short")
    (length,) = struct.unpack(">I", body[16:20])
    message, receiver = body[20 : 20 + length], body[20 + length :]
    if len(message) != length or receiver.decode(errors="replace") != corp_id:
        raise CallbackError("payload is not for this corp")
    return message
