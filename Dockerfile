# Ordo gateway with the paper broker and the three launch brokers (Fyers, HDFC, Mirae).
# Build: docker build -t ordo .   Run: docker run -p 8000:8000 -e ORDO_API_TOKEN=... ordo
FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/ordo
RUN pip install --no-cache-dir "uv>=0.5,<1"
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY ordo-core ordo-core
COPY ordo-adapter-mock ordo-adapter-mock
COPY ordo-adapter-fyers ordo-adapter-fyers
COPY ordo-adapter-hdfc ordo-adapter-hdfc
COPY ordo-adapter-mirae ordo-adapter-mirae
COPY ordo-client ordo-client
RUN uv sync --locked --no-dev --no-editable --all-packages

FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /var/lib/ordo ordo
COPY --from=build /opt/ordo /opt/ordo
ENV PATH=/opt/ordo/bin:$PATH \
    ORDO_DATA_DIR=/var/lib/ordo/data \
    ORDO_HOST=0.0.0.0 \
    ORDO_PORT=8000
USER ordo
WORKDIR /var/lib/ordo
VOLUME ["/var/lib/ordo/data"]
EXPOSE 8000
# Plain HTTP on 0.0.0.0 is refused unless TLS files are given (--certfile/--keyfile) or a
# TLS proxy terminates in front (ORDO_BEHIND_PROXY=true, as docker-compose.yml sets).
ENTRYPOINT ["ordo", "serve"]
