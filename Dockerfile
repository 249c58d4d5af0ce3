# leadsync in a minimal image: a fully static binary (see .ci/build-static), CA
# certificates, an empty /tmp, and nothing else, run as a non-root user.
#
#   docker build -t leadsync .
#   docker run --rm -v "$PWD/config:/config:ro" -v leadsync-state:/state \
#     -e LUSHA_API_KEY -e HUBSPOT_TOKEN -p 8080:8080 leadsync
#
# The config's state.path should point into /state (e.g. /state/leadsync.db) and
# http.listen at 0.0.0.0:8080 to reach the status page from outside the container.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN bash .ci/build-static /out/leadsync && mkdir -p /out/tmp /out/state && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build --chown=65532:65532 /out/state /state
COPY --from=build /out/leadsync /leadsync
USER 65532:65532
VOLUME ["/state"]
EXPOSE 8080
ENTRYPOINT ["/leadsync"]
CMD ["run", "-c", "/config/leadsync.yaml"]
