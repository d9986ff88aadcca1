# OsteoCDS: production image. Build: docker build -t osteocds .   Run: docker run -p 8080:8080 -e OSTEOCDS_ISSUERS_FILE=... osteocds
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Install the package (code + its data files) as root, then drop privileges.
COPY pyproject.toml README.md ./
COPY cds_service ./cds_service
COPY fhir_mappings ./fhir_mappings
COPY pathways ./pathways
COPY cards ./cards
RUN pip install . \
    && rm -rf /app/build /app/*.egg-info \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin osteocds \
    && mkdir -p /data \
    && chown osteocds:osteocds /data

# The SQLite file lives in /data (mount a volume, or point OSTEOCDS_DATABASE_URL at PostgreSQL).
ENV OSTEOCDS_DATABASE_URL=sqlite:////data/osteocds.sqlite3 \
    OSTEOCDS_HOST=0.0.0.0 \
    OSTEOCDS_PORT=8080 \
    OSTEOCDS_WORKERS=2
VOLUME ["/data"]
WORKDIR /data
USER osteocds:osteocds
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('OSTEOCDS_PORT', '8080'), timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# gunicorn, run by `osteocds serve` (host, port and workers from the OSTEOCDS_* variables above).
CMD ["osteocds", "serve"]
