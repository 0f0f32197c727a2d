# Helpers of the API suite (sourced by run.sh): case reporting, HTTP calls
# checked against status / JSON error shape / jq filters, the service's life.

passed=0
failed=0

# Reports one passing case.
pass() {
	echo "ok - $1"
	passed=$((passed + 1))
}

# Reports one failing case with the reason and the body received.
fail() {
	echo "not ok - $1: $2"
	head -c 600 "$work/body" 2>/dev/null | sed 's/^/#   /'
	echo
	failed=$((failed + 1))
}

# Reports a case from a command's exit status.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "check failed: $*"; fi
}

# Sends a request; sets $code, the body in $work/body, headers in $work/headers.
# Usage: call METHOD PATH [curl args...]
call() {
	local method=$1 path=$2
	shift 2
	code=$(curl -sS -g --max-time 30 -o "$work/body" -D "$work/headers" -w '%{http_code}' \
		-X "$method" "$@" "$base$path" 2>"$work/curl.err") || code="curl-failed($(head -c 200 "$work/curl.err"))"
}

# One case: the status must be STATUS, a 4xx/5xx body must be a JSON error
# {"error":{"code","message"}}, and the body must satisfy the jq FILTER (if any).
# Usage: t NAME STATUS FILTER METHOD PATH [curl args...]
t() {
	local name=$1 want=$2 filter=$3
	shift 3
	call "$@"
	if [ "$code" != "$want" ]; then
		fail "$name" "status $code, want $want"
		return 1
	fi
	if [ "$want" -ge 400 ] && ! jq -e '(.error.code | type == "string") and (.error.message | type == "string")' \
		"$work/body" >/dev/null 2>&1; then
		fail "$name" "not a JSON error body"
		return 1
	fi
	if [ -n "$filter" ] && ! jq -e "$filter" "$work/body" >/dev/null 2>&1; then
		fail "$name" "body does not satisfy $filter"
		return 1
	fi
	pass "$name"
}

# The value of a response header of the last call (case-insensitive name).
header() {
	grep -i "^$1:" "$work/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'
}

# Prints the jq expression's value on the last body.
jqb() {
	jq -r "$1" "$work/body"
}

# A WAV file of n 16-bit mono samples at 8 kHz with random content.
make_wav() {
	local file=$1 n=$2 len
	len=$((n * 2))
	{
		printf 'RIFF'; le32 $((36 + len)); printf 'WAVEfmt '
		le32 16; le16 1; le16 1; le32 8000; le32 16000; le16 2; le16 16
		printf 'data'; le32 "$len"
		head -c "$len" /dev/urandom
	} >"$file"
}

# Writes a 32-bit little-endian integer.
le32() {
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}

# Writes a 16-bit little-endian integer.
le16() {
	printf "$(printf '\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)))"
}

# Starts the service in the background on a free port; sets $api_pid, $base.
start_service() {
	: >"$log"
	"$bin" --listen 127.0.0.1:0 --database-url "$service_url" --threads 128 --db-connections 4 \
		--header-timeout 2000 --request-timeout 4000 --max-body 65536 --max-audio 1048576 \
		--statement-timeout 5000 --static-dir "$root/api/static" "$@" 2>>"$log" &
	api_pid=$!
	local i port=""
	for i in $(seq 1 100); do
		port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$log" | head -1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	base="http://127.0.0.1:$port"
	[ -n "$port" ]
}

# Stops the service with SIGTERM and waits; returns its exit status.
stop_service() {
	kill -TERM "$api_pid" 2>/dev/null
	wait "$api_pid"
}

# The cluster of the environment as "version name", for stopping and starting it.
cluster() {
	pg_lsclusters -h | awk -v p="$PGPORT" '$3 == p { print $1 " " $2 }'
}

# Stops (fast), starts or restarts (fast) the suite's database server: the
# command CONVDASH_TEST_DB_CTL names when set (test/citus runs the suite
# against a Citus coordinator), else pg_ctlcluster on the cluster of PGPORT.
db_ctl() {
	local cl
	if [ -n "${CONVDASH_TEST_DB_CTL:-}" ]; then
		$CONVDASH_TEST_DB_CTL "$1"
		return
	fi
	cl=$(cluster)
	[ -n "$cl" ] || return 1
	if [ "$1" = start ]; then pg_ctlcluster $cl start; else pg_ctlcluster $cl "$1" -m fast; fi
}

# Installs the extension into database $1: CREATE EXTENSION, or the command
# CONVDASH_TEST_INSTALL names (test/citus: a distributed installation).
install_extension() {
	if [ -n "${CONVDASH_TEST_INSTALL:-}" ]; then
		$CONVDASH_TEST_INSTALL "$1"
	else
		psql -qX -v ON_ERROR_STOP=1 -d "$1" -c 'CREATE EXTENSION convdash CASCADE' >/dev/null
	fi
}
