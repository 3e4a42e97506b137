# Ordo gateway: the paper broker and the Fyers, HDFC and Mirae adapters; SQLite by default,
# the PostgreSQL and Redis drivers included.
#
# Build:  docker build -t ordo .
# Run:    docker run --rm -p 127.0.0.1:8000:8000 -e ORDO_BEHIND_PROXY=true -v ordo-data:/var/lib/ordo/data ordo --demo
#
# That publishes plain HTTP on this host's loopback only; ORDO_BEHIND_PROXY=true tells Ordo
# (which listens on 0.0.0.0 inside the container) that TLS is terminated in front of it. For
# any other address, serve TLS (mount certificates and add --certfile/--keyfile) or run it
# behind a TLS proxy, as docker-compose.yml does with Caddy. The API token is printed at
# start and kept in the data volume; set ORDO_API_TOKEN to choose your own.
# The install step is deploy/install.sh, which CI runs into a temporary prefix (make
# package-check), then runs this ENTRYPOINT and HEALTHCHECK from there.
FROM python:3.11.11-slim-bookworm AS build
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
COPY . .
RUN uv build --all-packages --wheel --out-dir /wheels

FROM python:3.11.11-slim-bookworm
COPY deploy/install.sh /tmp/install.sh
COPY --from=build /wheels /tmp/wheels
RUN sh /tmp/install.sh /opt/ordo /tmp/wheels && rm -rf /tmp/install.sh /tmp/wheels
RUN useradd --system --create-home --home-dir /var/lib/ordo ordo \
    && mkdir -p /var/lib/ordo/data \
    && chown ordo:ordo /var/lib/ordo/data
ENV PATH=/opt/ordo/bin:$PATH \
    ORDO_DATA_DIR=/var/lib/ordo/data \
    ORDO_HOST=0.0.0.0 \
    ORDO_PORT=8000
USER ordo
WORKDIR /var/lib/ordo
VOLUME ["/var/lib/ordo/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "ordo.healthcheck"]
ENTRYPOINT ["ordo", "serve"]
