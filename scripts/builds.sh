# This build and, with a baseline revision, the build of that commit, for the measuring scripts
# that time the two against each other: sourced, not run.
#
#   source "$(dirname "$0")/builds.sh"
#   prepare_builds ROOT PRODUCT [REV]   # builds PRODUCT (and REV's, in .build-baseline/, git-ignored);
#                                       # sets builds=(current) or (baseline current) and commits="…,"
#   "$(binary_of current)"              # the product's binary of a build

prepare_builds() {
    build_root=$1
    build_product=$2
    swift build -c release --product "$build_product" --package-path "$build_root" >/dev/null
    builds=(current)
    commits="\"current_commit\": \"$(git -C "$build_root" rev-parse --short HEAD)$(git -C "$build_root" diff --quiet HEAD -- Sources Package.swift || echo +changes)\","
    if [[ -n "${3:-}" ]]; then
        local commit
        commit=$(git -C "$build_root" rev-parse --short "$3^{commit}")
        baseline_tree="$build_root/.build-baseline/$commit"
        [[ -d "$baseline_tree" ]] || git -C "$build_root" worktree add --detach -q "$baseline_tree" "$commit"
        swift build -c release --product "$build_product" --package-path "$baseline_tree" >/dev/null
        builds=(baseline current)
        commits="$commits \"baseline_commit\": \"$commit\","
    fi
}

binary_of() {
    if [[ $1 == baseline ]]; then echo "$baseline_tree/.build/release/$build_product"; else echo "$build_root/.build/release/$build_product"; fi
}
