/**
 * The interactive reference of the REST API: Scalar's standalone page reading /openapi.json.
 *
 * The script comes from jsDelivr, pinned to one release and checked by its hash (Subresource
 * Integrity), not from npm into the server: @scalar/fastify-api-reference carries the same 4.6 MiB
 * script inside its module plus undici, yaml and zod, which the bundle would either parse at every
 * start or ship to every image and SCF zip for a page production keeps off. The price: the browser
 * showing the page needs jsDelivr. To upgrade, take the file `dist/browser/standalone.js` of the
 * new `@scalar/api-reference` tarball (`npm pack`) and its hash:
 * `openssl dgst -sha384 -binary standalone.js | openssl base64 -A`.
 */
const SCALAR_SCRIPT = {
  src: 'https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0/dist/browser/standalone.js',
  integrity: 'sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ',
};

/** `documentUrl` relative to the page, so that a path prefix in front of the server keeps working. */
export function referencePage(title: string, documentUrl: string): string {
  const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
</head>
<body>
<div id="app"></div>
<script src="${SCALAR_SCRIPT.src}" integrity="${SCALAR_SCRIPT.integrity}" crossorigin="anonymous"></script>
<script>Scalar.createApiReference('#app', { url: ${JSON.stringify(documentUrl).replace(/</g, '\\u003c')} });</script>
</body>
</html>
`;
}
