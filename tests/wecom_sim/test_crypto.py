from __future__ import annotations

import pytest

from tests.wecom_sim.conftest import AES_KEY, CORP_ID
from tests.wecom_sim.test_contacts import independent_decrypt
from wecom_sim import crypto


def test_the_simulators_ciphertext_decrypts_independently_for_every_length():
    for size in range(0, 70):
        message = "消" * size
        encrypted = crypto.encrypt(AES_KEY, message, CORP_ID)
        assert independent_decrypt(encrypted) == (message, CORP_ID)
        assert crypto.decrypt(AES_KEY, encrypted, CORP_ID) == message


def test_decrypt_refuses_another_corp():
    encrypted = crypto.encrypt(AES_KEY, "<xml/>", CORP_ID)
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(AES_KEY, encrypted, "wwsomeoneelse")
