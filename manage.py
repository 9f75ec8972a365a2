#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")
    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()  # var/, the broker folders, the embedded secret key: before settings load
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
