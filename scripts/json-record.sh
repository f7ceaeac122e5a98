# The JSON record every measuring script writes to docs/data/, in one place: sourced, not run.
#
#   source "$(dirname "$0")/json-record.sh"
#   {
#       json_record_start hfrnn-memory 1          # {, the format, the date and the CPU
#       echo "  \"processors\": $(nproc),"         # the script's own fields, each line ending in a comma
#       json_record_end runs "${runs[@]}"          # the array of one-line JSON objects, then }
#   } > "$file"

# The opening brace, the format name and version, and when and on which CPU the record was made.
json_record_start() {
    echo "{"
    echo "  \"format\": \"$1\", \"format_version\": $2,"
    echo "  \"date_utc\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\","
}

# The array KEY of the remaining arguments (each one JSON object on one line), then the closing
# brace. The items are joined by ",\n" so the last one has no trailing comma, which JSON forbids.
json_record_end() {
    local key=$1
    shift
    echo "  \"$key\": ["
    if (($#)); then
        printf '    %s' "$1"
        shift
        for item in "$@"; do printf ',\n    %s' "$item"; done
        echo
    fi
    echo "  ]"
    echo "}"
}
