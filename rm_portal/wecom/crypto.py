"""WeCom's callback crypto (企业微信回调加解密方案): msg_signature and AES-256-CBC.

msg_signature = SHA1 of the sorted concatenation of token, timestamp, nonce and the encrypted
text. The key is base64(EncodingAESKey + "="), 32 bytes; the IV its first 16 bytes; padding is
PKCS#7 to a multiple of 32 bytes. The plaintext is 16 random bytes, a 4-byte big-endian length,
the message and the receiving corp id (receiveid).

Used by `/wecom/callback/` (rm_portal.wecom.views) and the compliance archive's callback; `encrypt`
is what WeCom does, so tests and the simulator can produce genuine events.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
AES_KEY_PATTERN = re.compile(r"[A-Za-z0-9+/]{43}")


class CallbackError(ValueError):
    """A payload that cannot be opened: not base64, bad padding, too short."""


class WrongReceiver(CallbackError):
    """A payload that decrypts, but names another corp as its receiver."""


def aes_key_valid(aes_key: str) -> bool:
    return bool(AES_KEY_PATTERN.fullmatch(aes_key))


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    # SHA1 is WeCom's choice for this signature, not ours.
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324


def signature_valid(token: str, timestamp: str, nonce: str, encrypted: str, given: str) -> bool:
    return bool(token) and hmac.compare_digest(signature(token, timestamp, nonce, encrypted), given)


@functools.lru_cache(maxsize=8)
def _cipher(aes_key: str) -> Cipher[modes.CBC]:
    """The key's cipher, built once per process for each EncodingAESKey: the callback sees
    one key (two while it is rotated), and building them was a measurable part of every request.
    A cipher keeps no state between messages; each message gets its own encryptor/decryptor."""
    if not aes_key_valid(aes_key):
        raise CallbackError("bad EncodingAESKey")
    key = base64.b64decode(aes_key + "=")
    if len(key) != 32:
        raise CallbackError("bad EncodingAESKey")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(plain: bytes, *, aes_key: str, corp_id: str, random: bytes | None = None) -> str:
    """What WeCom does to a message; `random` (16 bytes) only to reproduce a known ciphertext."""
    cipher = _cipher(aes_key)
    prefix = os.urandom(16) if random is None else random
    if len(prefix) != 16:
        raise ValueError("random must be 16 bytes")
    body = prefix + struct.pack(">I", len(plain)) + plain + corp_id.encode()
    pad = BLOCK - len(body) % BLOCK
    body += bytes([pad]) * pad
    encryptor = cipher.encryptor()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


def decrypt(encrypted: str, *, aes_key: str, corp_id: str) -> bytes:
    cipher = _cipher(aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except ValueError as error:
        raise CallbackError("payload is not base64") from error
    if not data or len(data) % 16:
        raise CallbackError("payload length is not a multiple of the block")
    decryptor = cipher.decryptor()
    body = decryptor.update(data) + decryptor.finalize()
    pad = body[-1]
    if not 1 <= pad <= BLOCK or body[-pad:] != bytes([pad]) * pad:
        raise CallbackError("bad padding")
    body = body[:-pad]
    if len(body) < 20:
        raise CallbackError("payload too short")
    (length,) = struct.unpack(">I", body[16:20])
    message, receiver = body[20 : 20 + length], body[20 + length :]
    if len(message) != length:
        raise CallbackError("payload length does not match")
    if not hmac.compare_digest(receiver, corp_id.encode()):
        raise WrongReceiver("payload is not for this corp")
    return message
