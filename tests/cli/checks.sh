# Shared by the command-line tests (sourced): each check prints what it tried and
# counts a failure in $failures, which the test sets to 0 and exits with at the end.

check() {  # check <description> <expected substring> <output>
    if [[ "$3" == *"$2"* ]]; then
        echo "ok   $1"
    else
        echo "FAIL $1: expected to find [$2] in:"; echo "$3" | sed 's/^/     /'
        failures=$((failures + 1))
    fi
}
check_not() {  # check_not <description> <unexpected substring> <output>
    if [[ "$3" != *"$2"* ]]; then
        echo "ok   $1"
    else
        echo "FAIL $1: did not expect [$2] in:"; echo "$3" | sed 's/^/     /'
        failures=$((failures + 1))
    fi
}
status() {  # status <description> <expected code> <command…>; leaves the output in $out
    local desc=$1 want=$2; shift 2
    out=$("$@" 2>&1); local got=$?
    if [ "$got" -eq "$want" ]; then echo "ok   $desc (exit $got)"; else
        echo "FAIL $desc: exit $got, expected $want"; echo "$out" | sed 's/^/     /'; failures=$((failures + 1)); fi
}
