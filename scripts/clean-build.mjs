// Removes the previous jsii output before a build. jsii writes into build/ without clearing it, so the
// output of a module that has since moved or gone (lib/roster.ts became lib/roster/) would stay, be
// packed, and shadow the new one.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const output of ['build', '.jsii', 'tsconfig.tsbuildinfo']) {
  rmSync(join(root, output), { recursive: true, force: true });
}
