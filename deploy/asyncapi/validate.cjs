// Validates AsyncAPI documents with the AsyncAPI project's own parser: the specification's JSON
// Schema, its Spectral rules and the payload schemas. Prints every finding; exits 1 when there
// is an error or a warning, 2 when a file cannot be read.
//   node validate.cjs ../../schemas/asyncapi.yaml
"use strict";
const fs = require("node:fs");
const { Parser, fromFile, DiagnosticSeverity } = require("@asyncapi/parser");

const SEVERITY = Object.fromEntries(Object.entries(DiagnosticSeverity).map(([k, v]) => [v, k]));

async function validate(parser, path) {
  if (!fs.existsSync(path)) {
    console.error(`${path}: no such file`);
    return 2;
  }
  const diagnostics = await fromFile(parser, path).validate();
  const findings = diagnostics.filter((d) => d.severity <= DiagnosticSeverity.Warning);
  for (const d of diagnostics) {
    const where = d.path && d.path.length ? d.path.join(".") : "(document)";
    console.log(`${path}: ${SEVERITY[d.severity].toLowerCase()} ${d.code} at ${where}: ${d.message}`);
  }
  if (findings.length) {
    console.log(`${path}: invalid (${findings.length} errors or warnings)`);
    return 1;
  }
  console.log(`${path}: valid (${diagnostics.length} notes)`);
  return 0;
}

async function main(paths) {
  if (!paths.length) {
    console.error("usage: node validate.cjs FILE...");
    return 2;
  }
  const parser = new Parser();
  let status = 0;
  for (const path of paths) {
    status = Math.max(status, await validate(parser, path));
  }
  return status;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
