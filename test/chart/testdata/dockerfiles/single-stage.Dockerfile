FROM golang:1.26-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81
COPY . .
RUN go build -o /doc-search ./app/cmd/doc-search
ENTRYPOINT ["/doc-search"]
