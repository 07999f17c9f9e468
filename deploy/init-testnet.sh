#!/bin/sh
# Writes the compose file's 4-validator testnet once, under $1 (default /data/homes): the homes
# `zkpov testnet` makes, rewritten for containers. Each node listens on all interfaces (P2P and
# RPC, the [p2p] and [rpc] "listen" keys) and dials its peers by service name (node0..node3)
# instead of 127.0.0.1. A second run keeps the homes it finds.
set -eu
homes=${1:-/data/homes}
if [ -e "$homes" ]; then
    echo "keeping the testnet in $homes"
    exit 0
fi
zkpov testnet --validators 4 --base-port 26656 --output "$homes"
for config in "$homes"/node*/config.toml; do
    sed -i \
        -e 's/^listen = "127\.0\.0\.1:/listen = "0.0.0.0:/' \
        -e 's/^address = "127\.0\.0\.1:26656"/address = "node0:26656"/' \
        -e 's/^address = "127\.0\.0\.1:26658"/address = "node1:26658"/' \
        -e 's/^address = "127\.0\.0\.1:26660"/address = "node2:26660"/' \
        -e 's/^address = "127\.0\.0\.1:26662"/address = "node3:26662"/' \
        "$config"
done
echo "wrote the testnet in $homes for containers"
