"""The WSGI entry point for gunicorn: gunicorn wsgi:app"""

from rcbingo import create_app

app = create_app()
