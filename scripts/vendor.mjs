// Copies the distributed front-end files from node_modules into static/vendor/, and the
// test-only axe-core (accessibility checks in the browser tests) into tests/vendor/.
// Plain file copies, no bundler: the vendored files are committed so the site needs no npm at run time.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendorDir = join(root, "static", "vendor");
// Never served: the browser tests inject it into the pages they check.
const testVendorDir = join(root, "tests", "vendor");
const testFiles = [
  { package: "axe-core", from: "axe.min.js", to: "axe.min.js" },
  { package: "axe-core", from: "LICENSE", to: "axe-core.LICENSE.txt" },
];

const files = [
  { package: "htmx.org", from: "dist/htmx.min.js", to: "htmx.min.js" },
  { package: "htmx.org", from: "LICENSE", to: "htmx.LICENSE.txt" },
  { package: "htmx-ext-sse", from: "dist/sse.min.js", to: "htmx-ext-sse.min.js" },
  { package: "htmx-ext-sse", from: "LICENSE", to: "htmx-ext-sse.LICENSE.txt" },
  { package: "htmx-ext-ws", from: "dist/ws.min.js", to: "htmx-ext-ws.min.js" },
  { package: "htmx-ext-ws", from: "LICENSE", to: "htmx-ext-ws.LICENSE.txt" },
];

mkdirSync(vendorDir, { recursive: true });
const manifest = {};
for (const file of files) {
  const packageDir = join(root, "node_modules", file.package);
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const target = join(vendorDir, file.to);
  copyFileSync(join(packageDir, file.from), target);
  const sha256 = createHash("sha256").update(readFileSync(target)).digest("hex");
  manifest[file.to] = { package: file.package, version, source: file.from, sha256 };
  console.log(`${file.package}@${version} ${file.from} -> static/vendor/${file.to}`);
}
writeFileSync(join(vendorDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

mkdirSync(testVendorDir, { recursive: true });
const testManifest = {};
for (const file of testFiles) {
  const packageDir = join(root, "node_modules", file.package);
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const target = join(testVendorDir, file.to);
  copyFileSync(join(packageDir, file.from), target);
  const sha256 = createHash("sha256").update(readFileSync(target)).digest("hex");
  testManifest[file.to] = { package: file.package, version, source: file.from, sha256 };
  console.log(`${file.package}@${version} ${file.from} -> tests/vendor/${file.to}`);
}
writeFileSync(join(testVendorDir, "manifest.json"), JSON.stringify(testManifest, null, 2) + "\n");
