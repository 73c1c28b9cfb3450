#!/bin/sh
set -e
template_dir="./templates"
output_dir="./conf.d"
mkdir -p "$output_dir"
for template in "$template_dir"/*.template; do
    [ -f "$template" ] || continue
    out="$output_dir/$(basename "$template" .template)"
    sed "s/\${APP_LISTEN}/${APP_LISTEN:-80}/g" "$template" > "$out"
done
