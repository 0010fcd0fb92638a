#!/bin/bash
# Regenerates the ODS and XLS import fixtures the way shopkeepers' files are made:
# an XLSX written by rust_xlsxwriter (the test `write_fixture_source`, which also writes
# comptoir-sheets' copy for its unit tests), then opened and saved by LibreOffice.
# Needs `apt-get install libreoffice-calc-nogui`; the tests
# themselves only read the committed files.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=src-tauri/crates/core/tests/fixtures
cargo test -p comptoir-core --test it -- --ignored write_fixture_source
tmp=$(mktemp -d)
soffice --headless -env:UserInstallation=file://"$tmp"/profile --convert-to ods --outdir "$dir" "$dir/shop.xlsx"
soffice --headless -env:UserInstallation=file://"$tmp"/profile --convert-to xls --outdir "$dir" "$dir/shop.xlsx"
rm -rf "$tmp"
ls -l "$dir"
