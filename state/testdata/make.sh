#!/bin/sh
# make.sh remakes the golden state files vN.db, each with the state package of the
# commit that introduced migration N (git archive into a temporary directory, never
# a checkout of the working tree), written through that version's own API by gen/.
#
#   state/testdata/make.sh          # every version that has a migration
#   state/testdata/make.sh 3 5      # only v3.db and v5.db
#
# A migration must be committed before its golden file can be made.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
cd "$root"
if [ $# -eq 0 ]; then
	set -- $(ls state/migrations/*.sql | sed 's|.*/0*\([0-9][0-9]*\)_.*|\1|')
fi
for n in "$@"; do
	file=$(ls state/migrations/$(printf %04d "$n")_*.sql)
	commit=$(git log --diff-filter=A --format=%H -- "$file" | tail -n 1)
	if [ -z "$commit" ]; then
		echo "make.sh: $file is not committed yet" >&2
		exit 1
	fi
	tmp=$(mktemp -d)
	git archive "$commit" go.mod go.sum state | tar -x -C "$tmp"
	mkdir "$tmp/gen"
	cp "$here"/gen/*.go "$tmp/gen/"
	(cd "$tmp" && go run -tags "v$n" ./gen "$tmp/v$n.db")
	if command -v sqlite3 >/dev/null; then
		got=$(sqlite3 "$tmp/v$n.db" 'PRAGMA user_version')
		if [ "$got" != "$n" ]; then
			echo "make.sh: v$n.db has user_version $got" >&2
			exit 1
		fi
	fi
	cp "$tmp/v$n.db" "$here/v$n.db"
	chmod 0644 "$here/v$n.db"
	echo "v$n.db  $(git log -1 --format='%h %cs' "$commit")  $(basename "$file")"
	rm -rf "$tmp"
done
