/**
 * Runs a measurement of bench/measure.ts in a child process and resolves to its result: each deploy
 * has its own emulators and event loop, so that measurements can run side by side.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { MeasurementSpec } from './measure';

/** Runs `spec`; `label` prefixes the child's progress lines, which `progress` prints. */
export function runMeasurement<T>(spec: MeasurementSpec, label: string, progress: (message: string) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'measure.ts'), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      for (const line of text.split('\n')) if (line.trim()) progress(`${label}: ${line.trim()}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop();
      if (code !== 0 || !last) return reject(new Error(`${label} ended with code ${code}:\n${stderr.slice(-4_000)}`));
      resolve(JSON.parse(last) as T);
    });
  });
}
