# Helpers of the shell suites (sourced by test/<suite>/run.sh): each case
# prints "ok - name" or "not ok - name" (docs/CONVENTIONS.md); the suite then
# ends with `exit $failed`.
failed=0

# Prints ok or not ok for a named case from a command's exit status.
check() {
	local name=$1; shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; failed=1; fi
}

# Succeeds when two files are equal, else shows the start of the difference.
same_file() {
	diff -u "$1" "$2" | head -60 | sed 's/^/# /'
	cmp -s "$1" "$2"
}
