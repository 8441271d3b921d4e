module github.com/uciknock/uciknock

go 1.23

require (
	github.com/google/nftables v0.3.0 // tests only: pkg/fastpath checks its nf_tables codec against it
	github.com/mdlayher/netlink v1.7.3-0.20250113171957-fbb4dce95f42 // tests only (with google/nftables)
	github.com/mdlayher/packet v1.1.2
	github.com/rs/zerolog v1.34.0
	golang.org/x/net v0.35.0
	golang.org/x/sync v0.11.0
	golang.org/x/sys v0.30.0
)

require (
	github.com/google/go-cmp v0.6.0 // indirect
	github.com/josharian/native v1.1.0 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.19 // indirect
	github.com/mdlayher/socket v0.5.1 // indirect
)
