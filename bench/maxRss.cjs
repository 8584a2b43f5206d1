// Preloaded into a measured CLI run (node --require): writes the process's peak RSS
// in MiB to $BENCH_MAXRSS_FILE as it exits.
const { writeFileSync } = require('node:fs');
process.on('exit', () => writeFileSync(process.env.BENCH_MAXRSS_FILE, String(process.resourceUsage().maxRSS / 1024)));
