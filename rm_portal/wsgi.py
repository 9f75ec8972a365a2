import os

from django.core.wsgi import get_wsgi_application

from rm_portal.bootstrap import prepare_embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
prepare_embedded()  # before the settings load, as manage.py does
application = get_wsgi_application()
