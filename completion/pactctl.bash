# bash completion for pactctl. The verbs come from `pactctl --list-verbs`
# (the table behind --help), the verbs that take a unit from
# `pactctl --list-unit-verbs`, the unit names from the running daemon
# (`pactctl --json services`): nothing here to keep in step by hand.
# $PACTCTL names another pactctl (tests).

# logs' options and their values (docs/logs.md); 1 when cur is a unit
_pactctl_logs() {
	local cur=$1 words=""
	case $2 in
	-o | --output) words="short cat json" ;;
	-S | --since | -U | --until) words="today yesterday now boot -5m -1h" ;;
	-n | --lines) return 0 ;;
	*) [[ $cur == -* ]] || return 1
		words="-n --lines -f --follow -u --unit -S --since -U --until -o --output" ;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}
_pactctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} verb="" i ctl=${PACTCTL:-pactctl}
	local -a opts=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--run-dir) opts+=(--run-dir "${COMP_WORDS[i + 1]}"); i=$((i + 1)) ;;
		-*) ;;
		*) verb=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$verb" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--json --full --run-dir --help --version" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$("$ctl" --list-verbs 2>/dev/null)" -- "$cur")
		fi
		return
	fi
	if [ "$verb" = logs ] && _pactctl_logs "$cur" "${COMP_WORDS[COMP_CWORD - 1]}"; then
		return
	fi
	if [[ $cur == -* ]]; then
		case $verb in
		enable | disable) mapfile -t COMPREPLY < <(compgen -W "--now --runtime" -- "$cur") ;;
		is-enabled) mapfile -t COMPREPLY < <(compgen -W "--quiet" -- "$cur") ;;
		esac
		return
	fi
	if [ "$verb" = help ]; then
		mapfile -t COMPREPLY < <(compgen -W "$("$ctl" --list-verbs 2>/dev/null)" -- "$cur")
	elif "$ctl" --list-unit-verbs 2>/dev/null | grep -qxF -- "$verb"; then
		local units
		units=$("$ctl" "${opts[@]}" --json services 2>/dev/null | tr '{' '\n' |
			sed -n 's/^"name":"\([^"]*\)\.service".*/\1/p')
		mapfile -t COMPREPLY < <(compgen -W "$units" -- "$cur")
	fi
}
complete -F _pactctl pactctl
