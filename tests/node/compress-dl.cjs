// Compresses GS1 Digital Link URIs with GS1's own compression toolkit (as bundled by
// digital-link.js), so the resolver's decompression is checked against an independent
// implementation. Prints one JSON object: {uri: [optimised, unoptimised]}.
const { Utils } = require("digital-link.js");

const out = {};
for (const uri of process.argv.slice(2)) {
  out[uri] = [Utils.compressWebUri(uri, true, false), Utils.compressWebUri(uri, false, false)];
}
process.stdout.write(JSON.stringify(out));
