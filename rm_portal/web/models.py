"""The page shell has no models; the app is registered so its templates, static files and URLs have a home."""
