"""WeCom's callback crypto (加解密方案), written independently of the product's.

The equipment must not share code with what it tests: a bug in the product's crypto would
otherwise be mirrored here and pass unnoticed.

- key = base64decode(EncodingAESKey + "="), 32 bytes; IV = key[:16]; AES-256-CBC;
- plaintext = 16 random bytes + 4-byte big-endian length of the message + message + receive id
  (the corp id), padded PKCS#7 to a multiple of 32 bytes (WeCom's block, not AES's 16);
- msg_signature = sha1 of the sorted concatenation of token, timestamp, nonce and the ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BLOCK = 32


class CryptoError(ValueError):
    pass


def aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise CryptoError("EncodingAESKey must decode to 32 bytes")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    parts = sorted([token, timestamp, nonce, encrypted])
    return hashlib.sha1("".join(parts).encode()).hexdigest()  # noqa: S324 - WeCom's published scheme


def encrypt(encoding_aes_key: str, message: str, receive_id: str, *, random16: bytes | None = None) -> str:
    key = aes_key(encoding_aes_key)
    body = message.encode()
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + receive_id.encode()
    pad = PAD_BLOCK - len(plain) % PAD_BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encoding_aes_key: str, encrypted: str, receive_id: str) -> str:
    key = aes_key(encoding_aes_key)
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except ValueError as error:
        raise CryptoError("ciphertext is not base64") from error
    if not raw or len(raw) % 16:
        raise CryptoError("ciphertext length is not a multiple of the AES block")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise CryptoError("bad padding")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise CryptoError("plaintext too short")
    (length,) = struct.unpack(">I", plain[16:20])
    message, tail = plain[20 : 20 + length], plain[20 + length :]
    if len(message) != length or tail.decode(errors="replace") != receive_id:
        raise CryptoError("receive id does not match")
    return message.decode()
