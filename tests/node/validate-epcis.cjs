// Validates an EPCIS 2.0 JSON-LD document with GS1's epcis2.js: prints "valid" or the errors.
// Usage: node validate-epcis.cjs FILE
const fs = require("node:fs");
const { validateEpcisDocument } = require("epcis2.js");

const doc = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const result = validateEpcisDocument(doc, false);
if (result.success) {
  console.log(`valid ${doc.epcisBody.eventList.length} events`);
} else {
  console.log(`invalid: ${JSON.stringify(result.errors)}`);
  process.exit(1);
}
