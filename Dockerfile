# OsteoCDS: production image. Build: docker build -t osteocds .   Run: see README (Docker).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Install the package (code + its data files) as root with the pinned versions CI tests (constraints.txt),
# plus the PostgreSQL driver; then a numeric user and group with fixed ids (Kubernetes runAsNonRoot can
# verify a numeric USER only).
COPY pyproject.toml README.md constraints.txt ./
COPY cds_service ./cds_service
COPY fhir_mappings ./fhir_mappings
COPY pathways ./pathways
COPY cards ./cards
RUN pip install -c constraints.txt '.[postgres]' \
    && rm -rf /app/build /app/*.egg-info \
    && groupadd --system --gid 10001 osteocds \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
               --shell /usr/sbin/nologin osteocds \
    && mkdir -p /data \
    && chown 10001:10001 /data

# The SQLite file lives in /data (mount a volume, or point OSTEOCDS_DATABASE_URL at PostgreSQL).
# `osteocds serve` writes the port it was given to OSTEOCDS_ADDRESS_FILE; the HEALTHCHECK reads it there.
ENV OSTEOCDS_DATABASE_URL=sqlite:////data/osteocds.sqlite3 \
    OSTEOCDS_HOST=0.0.0.0 \
    OSTEOCDS_PORT=8080 \
    OSTEOCDS_WORKERS=2 \
    OSTEOCDS_ADDRESS_FILE=/tmp/osteocds.port
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["osteocds", "healthcheck"]

# gunicorn, run by `osteocds serve` (host, port, workers and threads from the OSTEOCDS_* variables above).
CMD ["osteocds", "serve"]
