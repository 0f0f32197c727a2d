# APPEND_MODE=events of bench/append.sh (sourced after its setup): the cost
# of the live-events feed on append_message. Each round runs the same
# function.sql three times in turn:
#   off     convdash.emit_event replaced by a no-op (no feed at all)
#   outbox  the shipped emit_event (one row in convdash.events per append)
#   notify  the outbox plus pg_notify per append (option b of issue 14:
#           LISTEN/NOTIFY takes a global lock at commit)
# The shipped definition is restored at the end (also on failure).
shipped=$(psql -qAtX -c "SELECT pg_get_functiondef('convdash.emit_event(bigint,text,bigint,jsonb)'::regprocedure)")
printf '%s\n' "$shipped" >"$work/shipped.sql"
trap 'psql -qX -f "$work/shipped.sql" >/dev/null; rm -rf "$work"' EXIT

# Installs emit_event with the given body (a PL/pgSQL block).
emit_body() {
	psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE OR REPLACE FUNCTION convdash.emit_event(account_id bigint, type text, conversation_id bigint, data jsonb)
RETURNS void LANGUAGE plpgsql VOLATILE AS \$f\$ $1 \$f\$;
SQL
}
outbox_body=$(printf '%s\n' "$shipped" | sed -n '/^AS \$function\$/,/^\$function\$/p' | sed '1s/^AS \$function\$//; $d')
# (the statement sits in a variable: quotes written inside ${x/a/b} are removed by bash 5.2)
notify_stmt="PERFORM pg_notify('convdash_events', emit_event.account_id::text || ' ' || emit_event.type);"
notify_body=${outbox_body/BEGIN/BEGIN $notify_stmt}

off=() outbox=() notify=()
for ((r = 1; r <= rounds; r++)); do
	emit_body 'BEGIN END'
	off+=("$(tps "$work/function.sql")")
	psql -qX -f "$work/shipped.sql" >/dev/null
	outbox+=("$(tps "$work/function.sql")")
	emit_body "$notify_body"
	notify+=("$(tps "$work/function.sql")")
	psql -qX -f "$work/shipped.sql" >/dev/null
	echo "  round $r: feed off ${off[-1]}/s, outbox ${outbox[-1]}/s, outbox + NOTIFY ${notify[-1]}/s"
done
check=$(psql -qAtX -c "SELECT count(*) FROM convdash.integrity_check() WHERE account_id = $acct")
o=$(median "${off[@]}") b=$(median "${outbox[@]}") n=$(median "${notify[@]}")
printf '%-58s %10s %10s %7s %8s\n' "append with live events ($clients clients, median of $rounds x ${secs}s)" "rate/s" "baseline/s" "ratio" "target"
awk -v o="$o" -v b="$b" -v n="$n" 'BEGIN {
	printf "%-58s %10.0f %10.0f %7.2f %8s\n", "append_message, outbox feed vs no feed", b, o, b / o, ">= 0.90"
	printf "%-58s %10.0f %10.0f %7.2f %8s\n", "append_message, outbox + NOTIFY vs no feed", n, o, n / o, "(option b)"
}'
echo "integrity_check problems in the bench account after the run: $check"
[ "$check" = 0 ]
