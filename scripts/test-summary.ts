// Runs ava with its TAP reporter, passes the output through, and ends with the plain closing line
// `tests: N passed, N failed, N skipped` that CI reads (ava's own summary is not one CI knows).
// Skipped tests print their reason in their title, so a skip is always visible.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const child = spawn('ava', ['--tap', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
for await (const line of createInterface({ input: child.stdout })) {
  console.log(line);
  const m = /^# (pass|fail|skip|todo) (\d+)$/.exec(line);
  if (m) counts[m[1] as keyof typeof counts] = Number(m[2]);
}
const code: number | null = await new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.on('close', resolve);
});
// A crashed worker or an unhandled rejection fails the run even when every counted test passed.
const failed = counts.fail + (code !== 0 && counts.fail === 0 ? 1 : 0);
console.log(`tests: ${counts.pass} passed, ${failed} failed, ${counts.skip + counts.todo} skipped`);
process.exit(code ?? 1);
