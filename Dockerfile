# One image for the page and the EHR service; the command chooses (deploy/start):
#
#   docker build -t backpain-cds .
#   docker run -p 8080:8080 backpain-cds                     # pages: 2 replicas behind nginx
#   docker run -p 8501:8501 backpain-cds page                # one page process (for an outer LB)
#   docker run -p 8000:8000 -e CDS_TRUSTED_ISSUERS=... -e CDS_REPLAY_STORE=redis://redis:6379/0 \
#              -e WEB_CONCURRENCY=2 backpain-cds service     # the CDS Hooks service
#
# Not built or run on the project's own machines (no Docker there); deploy/start, which this
# image runs, is what tests/test_deploy_*.py and tests/e2e/test_deploy_failover.py exercise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHON=python \
    NGINX_BIN=/usr/sbin/nginx \
    RUN_DIR=/tmp/nginx \
    ACCESS_LOG=/dev/stdout

# Debian's nginx (the same package the tests run) for `pages`; no compiler needed (wheels only).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The pinned set: the service's file holds the page's packages too (one version per package).
COPY requirements.txt requirements-service.txt ./
RUN pip install --no-deps -r requirements-service.txt

COPY . .
RUN useradd --create-home --uid 10001 cds && chmod +x deploy/start deploy/healthcheck
USER cds

EXPOSE 8080 8501 8000
# The probe follows the mode PID 1 runs: the page's /_stcore/health (through nginx for `pages`)
# or the service's discovery document /cds-services, which needs no token.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "/app/deploy/healthcheck"]

ENTRYPOINT ["/app/deploy/start"]
CMD ["pages"]
