# MSO Assistant: `docker build -t msobot . && docker run -e MSOBOT_TELEGRAM_TOKEN=... -v msobot-data:/data msobot`
# With `-e MSOBOT_REPLICA_URL=s3://...` the database is replicated off the machine by Litestream
# (and restored from there when the volume is empty); see README "Running it in production".
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir "babel>=2.16" "hatchling>=1.25"
COPY . .
# Catalogs are compiled here, from the .po files, and packed into the wheel.
RUN pybabel compile -d locales -D messages && pybabel compile -d locales -D staff \
 && pip wheel --no-deps --no-build-isolation --wheel-dir /dist .

FROM python:3.11-slim
# /data holds the answers (special categories of personal data): only the msobot account may
# enter it, and the bot creates its database, log, backups and exports 0600 (umask 077).
RUN useradd --system --uid 999 --create-home msobot \
 && mkdir -m 700 /data && chown msobot:msobot /data
COPY --from=build /dist/*.whl /tmp/
RUN python -m venv /opt/msobot \
 && /opt/msobot/bin/pip install --no-cache-dir "$(ls /tmp/*.whl)[replication]" \
 && rm /tmp/*.whl
COPY deploy/litestream.yml /etc/litestream.yml
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint
ENV PATH=/opt/msobot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MSOBOT_DATABASE=/data/msobot.sqlite3 \
    MSOBOT_BACKUP_DIR=/data/backups
VOLUME /data
USER msobot
WORKDIR /data
# Healthy: a bot holds the database's lock, its heartbeat is fresh (a frozen bot is restarted) and
# nothing waits too long (msobot status).
HEALTHCHECK --interval=60s --timeout=15s --start-period=30s --retries=3 CMD ["msobot", "status"]
ENTRYPOINT ["docker-entrypoint"]
CMD ["run"]
