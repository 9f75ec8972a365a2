import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """These tests create many people; real PBKDF2 rounds are tested in tests/org."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
