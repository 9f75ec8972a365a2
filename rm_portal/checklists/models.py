"""Models arrive with this app's issue; the app is registered so migrations and URLs have a home."""
