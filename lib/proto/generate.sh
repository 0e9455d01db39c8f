#!/usr/bin/env bash
# Regenerates the TypeScript message types from maprdb-server.proto (run after editing the .proto).
set -euo pipefail
cd "$(dirname "$0")"
rm -rf generated
npx proto-loader-gen-types --grpcLib=@grpc/grpc-js --outDir=generated --enums=Number --defaults --oneofs --longs=String maprdb-server.proto
# NodeNext resolution wants explicit extensions on relative imports.
find generated -name '*.ts' -exec sed -i -E "s#from '(\.[^']*)'#from '\1.js'#" {} +
