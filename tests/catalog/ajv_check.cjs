// Validate a corpus of request bodies with ajv (draft 2020-12 + ajv-formats) and print one
// verdict per case as JSON. Input (argv[2]): [{"name", "schema": path, "body"}].
// multipleOfPrecision: ajv divides in binary floating point by default (0.07 / 0.01 is
// 7.000000000000001), so it is told to round the quotient to 9 digits.
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020");
const addFormats = require("ajv-formats");

const ajv = new Ajv2020({ allErrors: true, strict: false, multipleOfPrecision: 9 });
addFormats(ajv);
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const compiled = new Map();
const out = cases.map((c) => {
  if (!compiled.has(c.schema)) {
    compiled.set(c.schema, ajv.compile(JSON.parse(fs.readFileSync(c.schema, "utf8"))));
  }
  return { name: c.name, valid: compiled.get(c.schema)(c.body) };
});
process.stdout.write(JSON.stringify(out));
