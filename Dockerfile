# One image for every Wuji process; docker-compose.yml picks the process with `command`
# (the Procfile line: python -m wuji_infra.run <process>).

# the web console, built from the locked npm packages; only its dist/ goes into the image
FROM node:20-slim AS console
WORKDIR /console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console/index.html console/vite.config.js ./
COPY console/scripts ./scripts
COPY console/public ./public
COPY console/src ./src
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump and pg_restore for python -m wuji_infra.backup (the same major version as compose's postgres:15)
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*

# the pinned dependencies first: this layer is rebuilt only when requirements.txt changes
COPY requirements.txt /src/requirements.txt
RUN pip install -r /src/requirements.txt

COPY infra /src/infra
COPY services /src/services
COPY gateway /src/gateway
RUN pip install --no-deps /src/infra /src/services/members /src/services/activities /src/services/welfare /src/services/funding /src/services/notifications /src/gateway

# run as an unprivileged user from /app; var/ holds the gateway's generated secrets (a volume);
# context/ the key of the signed call context (one volume for all); broker/ the broker passwords (docker-compose.yml: volumes made from these folders are wuji's)
COPY --from=console /console/dist /app/console/dist
RUN useradd --system --uid 10001 --no-create-home --home-dir /app wuji \
 && mkdir -p /app/var /app/context /app/broker/members /app/broker/activities /app/broker/welfare \
             /app/broker/funding /app/broker/notifications /app/broker/gateway /app/broker/rabbitmq \
 && chown -R wuji /app/var /app/context /app/broker
USER wuji
WORKDIR /app

EXPOSE 8000
CMD ["python", "-m", "wuji_infra.run", "gateway"]
