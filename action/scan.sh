#!/usr/bin/env bash
# The GitHub Action's scan step (action.yml runs it; tests/test_action.py runs it as the runner would).
#
# Inputs arrive as environment variables, never spliced into a script, so a path or an argument
# cannot inject shell. IAC_CHECK_PATHS given on several lines is one path per line, spaces and
# all; on one line it is split into words as a shell would, without evaluating anything
# (whitespace separates, quotes group: `infra "my templates"`). IAC_CHECK_ARGS is always split
# into words. The scan's exit code is kept for the gate step, so the job summary and the SARIF
# upload happen even when the gate fails.
#
# Needs RUNNER_TEMP, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY (set by the runner); IAC_CHECK_PATHS,
# IAC_CHECK_ARGS, IAC_CHECK_AS_OF, IAC_CHECK_FAIL_ON and IAC_CHECK_FORMAT as given to the action;
# IAC_CHECK_PYTHON, a Python with iac-check installed (default: the venv the install step made).
set -euo pipefail
IAC_CHECK_PYTHON="${IAC_CHECK_PYTHON:-$RUNNER_TEMP/iac-check-venv/bin/python}"

# The words of the variable named $1 (its lines when $2 is "lines" and it has several), each
# ended by a NUL, the one byte no argument can hold.
words() {
    "$IAC_CHECK_PYTHON" -c '
import os, shlex, sys
name, mode = sys.argv[1:]
text = os.environ.get(name, "").strip()
try:
    if mode == "lines" and "\n" in text:
        found = [line.strip() for line in text.splitlines() if line.strip()]
    else:
        found = shlex.split(text)
except ValueError as exc:
    sys.exit(f"iac-check action: {name}: {exc}")
sys.stdout.write("".join(word + "\0" for word in found))
' "$1" "$2"
}

# A temporary file, not a pipe: a pipe would hide a failed split from `set -e`.
split="$RUNNER_TEMP/iac-check-words"
paths=()
words IAC_CHECK_PATHS lines > "$split"
while IFS= read -r -d '' word; do paths+=("$word"); done < "$split"
extra=()
words IAC_CHECK_ARGS words > "$split"
while IFS= read -r -d '' word; do extra+=("$word"); done < "$split"
rm -f "$split"

markdown="$RUNNER_TEMP/iac-check.md"
sarif="$RUNNER_TEMP/iac-check.sarif"
rm -f "$markdown" "$sarif"  # a report from an earlier run of the action in this job is not this scan's
options=(--fail-on "${IAC_CHECK_FAIL_ON:-error}" --format "${IAC_CHECK_FORMAT:-github}" --no-color
         --output "markdown=$markdown" --output "sarif=$sarif")
if [ -n "${IAC_CHECK_AS_OF:-}" ]; then options+=(--as-of "$IAC_CHECK_AS_OF"); fi

status=0
# `--` after the options: a path that starts with a dash is still a path. Bash 3.2 (macOS)
# calls an empty array unset, hence the ${name[@]+...} form.
"$IAC_CHECK_PYTHON" -m validator scan "${options[@]}" ${extra[@]+"${extra[@]}"} -- ${paths[@]+"${paths[@]}"} \
    || status=$?
if [ -f "$markdown" ]; then cat "$markdown" >> "$GITHUB_STEP_SUMMARY"; fi
echo "exit-code=$status" >> "$GITHUB_OUTPUT"
if [ -f "$sarif" ]; then echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"; fi
