#!/bin/sh
# The image's entry point. With MSOBOT_REPLICA_URL set, `run` first restores the database from
# the replica when the volume is empty (a new machine), then runs the bot under Litestream, which
# replicates every change off the machine; without it, the bot runs on its own. Any other
# command (status, backup, chat, ...) is msobot's.
set -eu
umask 077  # what Litestream restores, like everything msobot writes, only this account may read
if [ "${1:-run}" = "run" ] && [ -n "${MSOBOT_REPLICA_URL:-}" ]; then
  litestream restore -config /etc/litestream.yml -if-db-not-exists -if-replica-exists "$MSOBOT_DATABASE"
  exec litestream replicate -config /etc/litestream.yml -exec "msobot $*"
fi
exec msobot "$@"
