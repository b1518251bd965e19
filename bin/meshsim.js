#!/usr/bin/env node
// The `meshsim` command. The sources are TypeScript run directly by Node's type stripping,
// which needs Node 22.18 or later; say so plainly rather than failing on the first `.ts` import.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `meshsim needs Node 22.18 or later (this is ${process.versions.node}).\n` +
      'Run it through npm (`npm run meshsim -- ...` or `npx meshsim ...`), which uses the Node ' +
      'that `npm ci` installed, or install a current Node.\n',
  );
  process.exit(3);
}
const { main } = await import('../cli/main.ts');
process.exitCode = main(process.argv.slice(2));
