import { benchChaos } from './chaos';
import { formatTable, meets } from './report';

/** `npm run chaos`: the chaos run alone, its table on stdout; exits 1 when the status and the list disagree. */
const rows = await benchChaos();
console.log(`\n${formatTable(rows)}\n`);
const failing = rows.filter((row) => !meets(row));
console.log(failing.length ? `${failing.length} figure(s) outside their bound: the status and the list disagree.` : 'The status matches the list.');
process.exit(failing.length ? 1 : 0);
