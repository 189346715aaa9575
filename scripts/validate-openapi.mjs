// Validates an OpenAPI document with @readme/openapi-parser (installed by scripts/install-test-deps.sh).
// Usage: node scripts/validate-openapi.mjs FILE  -> prints "valid" or the errors, exit 0 / 1.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const require = createRequire(resolve(process.cwd(), ".tools/node_modules/"));
const { validate, compileErrors } = await import(require.resolve("@readme/openapi-parser"));
const document = JSON.parse(readFileSync(process.argv[2], "utf8"));
const result = await validate(document);
if (result.valid) {
  console.log(`valid OpenAPI ${document.openapi}: ${Object.keys(document.paths ?? {}).length} paths`);
} else {
  console.log(compileErrors(result));
  process.exit(1);
}
