"""gunicorn's settings for RC Bingo (read from the working folder, or with --config gunicorn.conf.py).

The access log masks the secrets that wall displays, survey links and tablet enrolment carry in their
addresses (rcbingo/logs.py). Workers, address, worker class and --access-logfile stay on the command line
(README)."""

logger_class = "rcbingo.logs.MaskingLogger"
