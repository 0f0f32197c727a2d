# OpenAPI cases of the API suite (sourced by run.sh after export.sh, which
# installs the npm packages of test/api/node): api/openapi.json against the
# router table, the running service and real answers (node/openapi_check.mjs
# prints one ok / not ok line per case; they count as the suite's cases).
samples=$(jq -nc --argjson c1 "$c1" --argjson c2 "$c2" --argjson c3 "$c3" --argjson clip "$clip" \
	'{conversation: $c1, closed_conversation: $c2, voice_conversation: $c3, clip: $clip}')
(cd "$node_dir" && node openapi_check.mjs "$root" "$base" "$KA" "$KX" "$samples") >"$work/openapi.out" 2>&1
openapi_status=$?
while IFS= read -r line; do
	case $line in
		"ok - "*) pass "${line#ok - }" ;;
		"not ok - "*) echo "$line"; failed=$((failed + 1)) ;;
	esac
done <"$work/openapi.out"
check "the OpenAPI check ran to its end (exit $openapi_status, $(grep -c '^\(not \)\?ok - ' "$work/openapi.out") cases$(grep -v '^\(not \)\?ok - ' "$work/openapi.out" | head -3 | tr '\n' ' '))" \
	test "$openapi_status" -le 1 -a "$(grep -c '^\(not \)\?ok - ' "$work/openapi.out")" -ge 35
