import { App, Stack } from 'aws-cdk-lib';
import { ConnectUserRoster } from '../lib';
const N = Number(process.argv[2]); const out = process.argv[3]; const changed = Number(process.argv[4] ?? -1);
const app = new App({ outdir: out });
const stack = new Stack(app, 'Center');
const hex = (i: number) => i.toString(16).padStart(12, '0');
const entries = Array.from({ length: N }, (_, i) => ({ file: 'x.csv', entry: i + 1, instanceId: 'a1b2c3d4-5678-90ab-cdef-000000000001', userId: `00000000-0000-4000-8000-${hex(i)}`, identityInfo: { firstName: `First${i}`, lastName: i === changed ? 'Changed' : `Last${i}`, email: `agent${i}@example.com` } }));
new ConnectUserRoster(stack, 'Roster', { roster: { files: ['x.csv'], entries } as any });
app.synth();
