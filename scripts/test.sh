#!/usr/bin/env bash
# `pnpm test`: makes sure PostgreSQL and NATS answer, then runs every vitest project once.
# Prints vitest's normal output and writes a JSON report to test-results/vitest.json.
# Extra arguments go to vitest (e.g. `pnpm test --project domain`). Exits with vitest's exit code.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bash scripts/ensure-services.sh || { echo "test.sh: PostgreSQL/NATS are not available (see above)" >&2; exit 1; }

mkdir -p test-results
rm -f test-results/vitest.json
exec node_modules/.bin/vitest run --config vitest.config.ts \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
