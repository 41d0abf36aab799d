// Injected into the CommonJS server bundle (esbuild-options.mjs) for `import.meta.url`: the URL of
// the bundle file itself, as an ES module would see it. `__filename` is the bundle's, as CommonJS.
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
