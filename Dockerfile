# MSO Assistant: `docker build -t msobot . && docker run -e MSOBOT_TELEGRAM_TOKEN=... -v msobot-data:/data msobot`
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir "babel>=2.16" "hatchling>=1.25"
COPY . .
# Catalogs are compiled here, from the .po files, and packed into the wheel.
RUN pybabel compile -d locales -D messages && pybabel compile -d locales -D staff \
 && pip wheel --no-deps --no-build-isolation --wheel-dir /dist .

FROM python:3.11-slim
RUN useradd --system --uid 999 --create-home msobot \
 && mkdir /data && chown msobot:msobot /data
COPY --from=build /dist/*.whl /tmp/
RUN python -m venv /opt/msobot \
 && /opt/msobot/bin/pip install --no-cache-dir /tmp/*.whl \
 && rm /tmp/*.whl
ENV PATH=/opt/msobot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MSOBOT_DATABASE=/data/msobot.sqlite3
VOLUME /data
USER msobot
WORKDIR /data
CMD ["msobot", "run"]
