#!/usr/bin/env bash
# Builds the Teams app package (a zip of manifest.json and the two icons) for the
# Bot Framework path. Usage: bash deploy/teams/package.sh <Microsoft App ID> <domain>
#   e.g. bash deploy/teams/package.sh 1b2c3d4e-… casebot.example.com
# Then upload casebot-teams.zip in Teams (Apps → Manage your apps → Upload an app).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: bash deploy/teams/package.sh <Microsoft App ID> <domain, e.g. casebot.example.com>" >&2
  exit 2
fi
app_id=$1
domain=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e "s/{{MICROSOFT_APP_ID}}/$app_id/g" -e "s/{{DOMAIN}}/$domain/g" "$here/manifest.json" > "$work/manifest.json"
cp "$here/color.png" "$here/outline.png" "$work/"
out="$PWD/casebot-teams.zip"
rm -f "$out"
if command -v zip >/dev/null 2>&1; then
  (cd "$work" && zip -q "$out" manifest.json color.png outline.png)
else
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); [z.write(f, f.split("/")[-1]) for f in sys.argv[2:]]' \
    "$out" "$work/manifest.json" "$work/color.png" "$work/outline.png"
fi
echo "wrote $out"
