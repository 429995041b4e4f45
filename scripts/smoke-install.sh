#!/usr/bin/env bash
# A fresh install as a user gets it, on whatever Node is first on PATH: clone, `npm ci` with no compiler
# (CC=false CXX=false, so any package that builds native code fails the install), then the main commands:
# a typed question, and a spoken one answered from a WAV file.
# Usage: scripts/smoke-install.sh SCRATCH_FOLDER
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$1"
rm -rf "$work"
git clone -q "$repo" "$work/her-faq"
cd "$work/her-faq"
echo "smoke: node $(node --version), compiler disabled"
# The README's own install command.
CC=false CXX=false npm install --no-audit --no-fund --loglevel=error

answer="$(node bin/her-faq.js ask "how long is her")"
grep -q "126 minutes" <<<"$answer" || { echo "smoke: ask answered: $answer" >&2; exit 1; }
echo "smoke: ask answers"

echo "where was her filmed" | text2wave -eval "(voice_cmu_us_slt_arctic_hts)" -o "$work/question.wav"
line="$(node bin/her-faq.js listen --engine pocketsphinx --json --wav "$work/question.wav")"
grep -q '"intent":"FilmingLocationIntent"' <<<"$line" || { echo "smoke: listen answered: $line" >&2; exit 1; }
echo "smoke: listen --json --wav answers"
